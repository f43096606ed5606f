package io.weft.balance;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The candidate with the fewest active connections per unit of weight ({@code active / weight}, compared without
 * division). Ties are broken by starting the scan at a rotating offset, so equally loaded backends share new
 * connections in turn instead of the first one taking them all.
 */
final class LeastConnectionsStrategy implements BalanceStrategy {

    private final AtomicLong rotation = new AtomicLong();

    @Override
    public Backend choose(List<Backend> candidates) {
        int n = candidates.size();
        int start = (int) Math.floorMod(rotation.getAndIncrement(), (long) n);
        Backend best = candidates.get(start);
        long bestActive = best.activeConnections();
        for (int k = 1; k < n; k++) {
            Backend candidate = candidates.get((start + k) % n);
            long active = candidate.activeConnections();
            // active / weight < bestActive / bestWeight
            if (active * best.weight() < bestActive * candidate.weight()) {
                best = candidate;
                bestActive = active;
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return "least-connections";
    }
}
