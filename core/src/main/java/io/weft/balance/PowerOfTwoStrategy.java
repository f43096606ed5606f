package io.weft.balance;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Power of two choices: two distinct candidates drawn at random, the one with fewer active connections per unit
 * of weight wins (the first drawn on a tie). Nearly as even as least-connections, but two balancers with the same
 * stale view do not all pile onto the same least-loaded backend.
 */
final class PowerOfTwoStrategy implements BalanceStrategy {

    @Override
    public Backend choose(List<Backend> candidates) {
        int n = candidates.size();
        if (n == 1) {
            return candidates.get(0);
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int i = random.nextInt(n);
        int j = random.nextInt(n - 1);
        if (j >= i) {
            j++;
        }
        Backend a = candidates.get(i);
        Backend b = candidates.get(j);
        return (long) b.activeConnections() * a.weight() < (long) a.activeConnections() * b.weight() ? b : a;
    }

    @Override
    public String toString() {
        return "power-of-two";
    }
}
