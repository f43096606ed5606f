package io.weft.balance;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Each candidate in turn: an atomic counter modulo the number of candidates. */
final class RoundRobinStrategy implements BalanceStrategy {

    private final AtomicLong next = new AtomicLong();

    @Override
    public Backend choose(List<Backend> candidates) {
        return candidates.get((int) Math.floorMod(next.getAndIncrement(), (long) candidates.size()));
    }

    @Override
    public String toString() {
        return "round-robin";
    }
}
