package io.weft.balance;

import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * nginx's smooth weighted round-robin ({@code ngx_http_upstream_get_peer}): every pick adds each candidate's
 * weight to its running "current" weight, takes the candidate with the largest current weight and subtracts the
 * total weight from it. Over any cycle of {@code sum(weights)} picks each backend gets exactly its weight, spread
 * as evenly as possible. Backends that are unavailable are skipped and keep their current weight, as in nginx.
 */
final class SmoothWeightedStrategy implements BalanceStrategy {

    /** Current weights; weak keys so removed backends do not pile up. */
    private final Map<Backend, long[]> current = new WeakHashMap<>();

    @Override
    public synchronized Backend choose(List<Backend> candidates) {
        Backend best = null;
        long[] bestCurrent = null;
        long total = 0;
        for (int i = 0, n = candidates.size(); i < n; i++) {
            Backend backend = candidates.get(i);
            long[] cw = current.computeIfAbsent(backend, b -> new long[1]);
            cw[0] += backend.weight();
            total += backend.weight();
            if (best == null || cw[0] > bestCurrent[0]) {
                best = backend;
                bestCurrent = cw;
            }
        }
        bestCurrent[0] -= total;
        return best;
    }

    @Override
    public String toString() {
        return "weighted";
    }
}
