package io.weft.balance;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One upstream server of a {@link BackendSet}: its address, weight, connection limit, state, circuit breaker and
 * counters. Created by {@link BackendSet#add}; every method is thread-safe.
 *
 * <p>A backend receives new connections only while it is <em>available</em>: its state is {@link State#UP}, its
 * circuit breaker lets a request through, and it holds fewer than {@link #maxConnections()} connections.
 * {@link State#DRAINING} backends keep their connections but get no new ones; {@link State#DOWN} is set by the
 * active health checks; {@link State#EJECTED} is reported while the circuit breaker is open or half-open (passive
 * outlier ejection, see {@link CircuitBreaker}).
 */
public final class Backend {

    /** Where a backend stands. */
    public enum State {
        /** Takes new connections. */
        UP,
        /** Set by {@link BackendSet#drain}: keeps its connections, takes no new ones. */
        DRAINING,
        /** Failed {@code fall} active health checks in a row; back after {@code rise} good ones. */
        DOWN,
        /** Failed too often in live traffic: its circuit breaker is open (or half-open, probing). */
        EJECTED
    }

    private final InetSocketAddress address;
    private final int weight;
    private final int maxConnections;
    private final CircuitBreaker breaker;
    private volatile boolean draining;
    private volatile boolean healthy = true;
    private volatile boolean removed;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicLong connections = new AtomicLong();
    private final LongAdder bytesToBackend = new LongAdder();
    private final LongAdder bytesFromBackend = new LongAdder();

    Backend(InetSocketAddress address, int weight, int maxConnections, CircuitBreaker breaker) {
        if (weight <= 0) {
            throw new IllegalArgumentException("weight must be positive, was " + weight);
        }
        if (maxConnections < 0) {
            throw new IllegalArgumentException("maxConnections must be 0 (no limit) or positive, was " + maxConnections);
        }
        this.address = address;
        this.weight = weight;
        this.maxConnections = maxConnections;
        this.breaker = breaker;
    }

    /** The address connections go to. */
    public InetSocketAddress address() {
        return address;
    }

    /** The relative share of connections weighted strategies give this backend (positive). */
    public int weight() {
        return weight;
    }

    /** The most connections this backend holds at once; 0 means no limit. */
    public int maxConnections() {
        return maxConnections;
    }

    /** This backend's circuit breaker (passive outlier ejection). */
    public CircuitBreaker circuitBreaker() {
        return breaker;
    }

    /** The current state; see the class comment for the order in which they apply. */
    public State state() {
        if (draining || removed) {
            return State.DRAINING;
        }
        if (!healthy) {
            return State.DOWN;
        }
        return breaker.state() == CircuitBreaker.State.CLOSED ? State.UP : State.EJECTED;
    }

    /** Whether the active health checks consider this backend up. */
    public boolean isHealthy() {
        return healthy;
    }

    /** Connections open (or being opened) to this backend right now. */
    public int activeConnections() {
        return active.get();
    }

    /** Connections handed out since the backend was added. */
    public long totalConnections() {
        return connections.get();
    }

    /** Bytes relayed from clients to this backend. */
    public long bytesToBackend() {
        return bytesToBackend.sum();
    }

    /** Bytes relayed from this backend to clients. */
    public long bytesFromBackend() {
        return bytesFromBackend.sum();
    }

    /** Adds {@code n} to {@link #bytesToBackend()}. */
    public void addBytesToBackend(long n) {
        bytesToBackend.add(n);
    }

    /** Adds {@code n} to {@link #bytesFromBackend()}. */
    public void addBytesFromBackend(long n) {
        bytesFromBackend.add(n);
    }

    /** Whether the state and connection limit allow a new connection (the breaker may still refuse it). */
    boolean selectable() {
        return !draining && !removed && healthy && breaker.isCallPermitted()
                && (maxConnections == 0 || active.get() < maxConnections);
    }

    /**
     * Takes a connection slot: checks the limit and the breaker's permission atomically enough that a limit is
     * never exceeded. Pair every successful call with {@link #release()}.
     */
    boolean tryAcquire() {
        while (true) {
            int current = active.get();
            if (maxConnections != 0 && current >= maxConnections) {
                return false;
            }
            if (active.compareAndSet(current, current + 1)) {
                break;
            }
        }
        if (!breaker.tryAcquirePermission()) {
            active.decrementAndGet();
            return false;
        }
        connections.incrementAndGet();
        return true;
    }

    /** Gives back a slot taken by {@link BackendSet#select}; call once per connection when it ends. */
    public void release() {
        active.decrementAndGet();
    }

    /** Records that a connection (or request) to this backend worked; closes a half-open breaker. */
    public void recordSuccess() {
        breaker.onSuccess();
    }

    /** Records a connect or response failure; enough of them in a row eject the backend. */
    public void recordFailure() {
        breaker.onFailure();
    }

    void setDraining(boolean draining) {
        this.draining = draining;
    }

    void markRemoved() {
        this.removed = true;
    }

    boolean isRemoved() {
        return removed;
    }

    void setHealthy(boolean healthy) {
        this.healthy = healthy;
    }

    @Override
    public String toString() {
        return address.getHostString() + ":" + address.getPort() + " (weight " + weight + ", " + state() + ", "
                + active.get() + " active)";
    }
}
