package io.weft.balance;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A live set of {@link Backend}s and the {@link BalanceStrategy} that spreads connections over them:
 *
 * <pre>{@code
 * BackendSet backends = new BackendSet(BalanceStrategy.weightedRoundRobin());
 * backends.add("10.0.0.1:8080,5");
 * Backend b = backends.add(new InetSocketAddress("10.0.0.2", 8080), 1, 100);
 * Backend chosen = backends.select();      // takes a connection slot on it, or null if none is available
 * ...                                      // connect; chosen.recordSuccess() / recordFailure()
 * chosen.release();                        // when the connection ends
 * backends.drain(b);                       // no new connections; the open ones finish
 * backends.remove(b);
 * }</pre>
 *
 * <p>Every method is thread-safe and may be called from any thread, including loop threads while traffic flows:
 * the membership is a copy-on-write list, so selection reads it without locking.
 */
public final class BackendSet {

    private final BalanceStrategy strategy;
    private final CircuitBreaker.Settings breakerSettings;
    private final CopyOnWriteArrayList<Backend> backends = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<Consumer<Backend>> addListeners = new CopyOnWriteArrayList<>();

    /** An empty set using {@code strategy} and the default circuit-breaker thresholds. */
    public BackendSet(BalanceStrategy strategy) {
        this(strategy, CircuitBreaker.Settings.DEFAULT);
    }

    /** An empty set using {@code strategy}; each backend gets a breaker with {@code breakerSettings}. */
    public BackendSet(BalanceStrategy strategy, CircuitBreaker.Settings breakerSettings) {
        this.strategy = Objects.requireNonNull(strategy, "strategy");
        this.breakerSettings = Objects.requireNonNull(breakerSettings, "breakerSettings");
    }

    /** The strategy in use. */
    public BalanceStrategy strategy() {
        return strategy;
    }

    /** Adds a backend of weight 1 and no connection limit. */
    public Backend add(InetSocketAddress address) {
        return add(address, 1, 0);
    }

    /** Adds a backend with {@code weight} and no connection limit. */
    public Backend add(InetSocketAddress address, int weight) {
        return add(address, weight, 0);
    }

    /**
     * Adds a backend; it is {@link Backend.State#UP} at once (active health checks, if any, start checking it).
     *
     * @param weight its relative share for weighted strategies (positive)
     * @param maxConnections the most connections it takes at once, 0 for no limit
     */
    public Backend add(InetSocketAddress address, int weight, int maxConnections) {
        Backend backend = new Backend(Objects.requireNonNull(address, "address"), weight, maxConnections,
                new CircuitBreaker(breakerSettings));
        backends.add(backend);
        for (Consumer<Backend> listener : addListeners) {
            listener.accept(backend);
        }
        return backend;
    }

    /**
     * Adds a backend written as {@code HOST:PORT[,WEIGHT]} ({@code [::1]:8080,3} for IPv6), the form the examples
     * take on their command lines. The host is resolved now.
     *
     * @throws IllegalArgumentException if {@code spec} is not of that form
     */
    public Backend add(String spec) {
        String hostPort = spec;
        int weight = 1;
        int comma = spec.lastIndexOf(',');
        try {
            if (comma >= 0) {
                weight = Integer.parseInt(spec.substring(comma + 1).trim());
                hostPort = spec.substring(0, comma);
            }
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("backend '" + spec + "' is not HOST:PORT[,WEIGHT]");
            }
            String host = hostPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            return add(new InetSocketAddress(host, port), weight, 0);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("backend '" + spec + "' is not HOST:PORT[,WEIGHT]", e);
        }
    }

    /** Stops giving {@code backend} new connections; those open go on. Returns whether it is a member. */
    public boolean drain(Backend backend) {
        backend.setDraining(true);
        return backends.contains(backend);
    }

    /** Undoes {@link #drain}. Returns whether {@code backend} is a member. */
    public boolean resume(Backend backend) {
        backend.setDraining(false);
        return backends.contains(backend);
    }

    /**
     * Removes {@code backend}: it gets no new connections and its health checks stop; open connections go on
     * until they end. Returns whether it was a member.
     */
    public boolean remove(Backend backend) {
        backend.markRemoved();
        return backends.remove(backend);
    }

    /** A snapshot of the members, in the order they were added. */
    public List<Backend> backends() {
        return List.copyOf(backends);
    }

    /** How many backends are members. */
    public int size() {
        return backends.size();
    }

    /** Whether any member could take a connection now. */
    public boolean hasAvailable() {
        for (Backend backend : backends) {
            if (backend.selectable()) {
                return true;
            }
        }
        return false;
    }

    /** {@link #select(Collection)} with nothing excluded. */
    public Backend select() {
        return select(List.of());
    }

    /**
     * Picks an available backend that is not in {@code exclude} (the ones a retry already tried) and takes a
     * connection slot on it: the caller must {@link Backend#release()} it when the connection ends, and should
     * report {@link Backend#recordSuccess()} or {@link Backend#recordFailure()}.
     *
     * @return the backend, or {@code null} if none is available
     */
    public Backend select(Collection<Backend> exclude) {
        List<Backend> candidates = new ArrayList<>(backends.size());
        for (Backend backend : backends) {
            if (backend.selectable() && !exclude.contains(backend)) {
                candidates.add(backend);
            }
        }
        while (!candidates.isEmpty()) {
            Backend chosen = strategy.choose(candidates);
            if (chosen.tryAcquire()) {
                return chosen;
            }
            candidates.remove(chosen); // lost a race for its last slot or its half-open trial
        }
        return null;
    }

    /**
     * Calls {@code listener} (on the adding thread) with every backend added from now on; health checkers use it.
     *
     * @return what stops the calls
     */
    public Runnable onAdd(Consumer<Backend> listener) {
        addListeners.add(listener);
        return () -> addListeners.remove(listener);
    }

    @Override
    public String toString() {
        return "BackendSet(" + strategy + ", " + backends + ")";
    }
}
