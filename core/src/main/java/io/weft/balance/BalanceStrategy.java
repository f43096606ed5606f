package io.weft.balance;

import java.util.List;
import java.util.Locale;

/**
 * Picks the backend a new connection (or request) goes to. {@link BackendSet#select} calls {@link #choose} with
 * the backends that are available right now (up, breaker closed or probing, under their connection limit) and
 * takes a connection slot on the one chosen.
 *
 * <p>Implementations must be thread-safe: loops call them concurrently. The built-in ones:
 * <ul>
 *   <li>{@link #roundRobin()}: each available backend in turn, ignoring weights;</li>
 *   <li>{@link #weightedRoundRobin()}: nginx's smooth weighted round-robin, spreading each backend's share evenly
 *       over the cycle (weights 5:1:1 give {@code a a b a c a a}, not {@code a a a a a b c});</li>
 *   <li>{@link #leastConnections()}: the fewest open connections per unit of weight, ties in rotation;</li>
 *   <li>{@link #powerOfTwoChoices()}: two backends at random, the less loaded of them (weighted), which avoids
 *       the herd effect of least-connections when many balancers share stale counts.</li>
 * </ul>
 */
@FunctionalInterface
public interface BalanceStrategy {

    /**
     * Picks one of {@code candidates}, which is never empty and holds only available backends, in the order they
     * were added to the set.
     */
    Backend choose(List<Backend> candidates);

    /** Each available backend in turn; weights are ignored. */
    static BalanceStrategy roundRobin() {
        return new RoundRobinStrategy();
    }

    /** nginx's smooth weighted round-robin. */
    static BalanceStrategy weightedRoundRobin() {
        return new SmoothWeightedStrategy();
    }

    /** The fewest active connections relative to weight; ties are broken in rotation. */
    static BalanceStrategy leastConnections() {
        return new LeastConnectionsStrategy();
    }

    /** The less loaded (active connections relative to weight) of two backends drawn at random. */
    static BalanceStrategy powerOfTwoChoices() {
        return new PowerOfTwoStrategy();
    }

    /**
     * The strategy named {@code round-robin}, {@code weighted}, {@code least-connections} or {@code power-of-two}
     * (case-insensitive), as the examples take it on their command lines.
     *
     * @throws IllegalArgumentException for any other name
     */
    static BalanceStrategy named(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "round-robin":
                return roundRobin();
            case "weighted":
                return weightedRoundRobin();
            case "least-connections":
                return leastConnections();
            case "power-of-two":
                return powerOfTwoChoices();
            default:
                throw new IllegalArgumentException("unknown strategy '" + name
                        + "' (expected round-robin, weighted, least-connections or power-of-two)");
        }
    }
}
