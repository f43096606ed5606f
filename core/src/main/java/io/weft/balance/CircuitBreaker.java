package io.weft.balance;

import java.time.Duration;

/**
 * A per-backend circuit breaker that does passive outlier ejection: {@code consecutiveFailures} connect or response
 * failures in a row <em>open</em> it, which ejects the backend for a backoff; when the backoff has passed it is
 * <em>half-open</em> and lets {@code halfOpenTrials} connections through; a success closes it (and resets the
 * backoff), a failure opens it again for twice as long, up to {@code maxEjection}.
 *
 * <pre>
 *   CLOSED --N failures in a row--> OPEN --backoff passed--> HALF_OPEN --success--> CLOSED
 *                                    ^                           |
 *                                    +-------failure (backoff x2, capped)
 * </pre>
 *
 * <p>Time is read from {@link System#nanoTime()} when the breaker is asked, so an open breaker needs no timer.
 * Thread-safe: the methods synchronize on the breaker, which is uncontended in practice (one call per connection).
 */
public final class CircuitBreaker {

    /** The breaker's state. */
    public enum State {
        /** Traffic flows; failures are counted. */
        CLOSED,
        /** The backend is ejected until the backoff has passed. */
        OPEN,
        /** The backoff has passed: a limited number of trial connections decide. */
        HALF_OPEN
    }

    /**
     * The breaker's thresholds. Defaults: 5 consecutive failures, 1 s first ejection doubling up to 30 s, one trial
     * connection when half-open.
     *
     * @param consecutiveFailures failures in a row that open a closed breaker (positive)
     * @param baseEjection how long the first ejection lasts (positive)
     * @param maxEjection the cap of the doubling backoff (at least {@code baseEjection})
     * @param halfOpenTrials how many connections a half-open breaker lets through at once (positive)
     */
    public record Settings(int consecutiveFailures, Duration baseEjection, Duration maxEjection, int halfOpenTrials) {

        /** The defaults listed in the class comment. */
        public static final Settings DEFAULT = new Settings(5, Duration.ofSeconds(1), Duration.ofSeconds(30), 1);

        /** Checks the values. */
        public Settings {
            if (consecutiveFailures <= 0 || halfOpenTrials <= 0) {
                throw new IllegalArgumentException("consecutiveFailures and halfOpenTrials must be positive");
            }
            if (baseEjection.isNegative() || baseEjection.isZero() || maxEjection.compareTo(baseEjection) < 0) {
                throw new IllegalArgumentException("need 0 < baseEjection <= maxEjection, got " + baseEjection
                        + " and " + maxEjection);
            }
        }
    }

    private final Settings settings;
    private State state = State.CLOSED;
    private int failures;
    private int ejections;
    private long openUntilNanos;
    private int trialsInFlight;

    /** A closed breaker with {@code settings}. */
    public CircuitBreaker(Settings settings) {
        this.settings = settings;
    }

    /** The thresholds. */
    public Settings settings() {
        return settings;
    }

    /** The current state (an open breaker whose backoff has passed reports half-open). */
    public synchronized State state() {
        advance();
        return state;
    }

    /** How many times in a row the breaker opened without a success in between. */
    public synchronized int ejections() {
        return ejections;
    }

    /** Whether a call would be let through now (does not take a half-open trial). */
    public synchronized boolean isCallPermitted() {
        advance();
        return state == State.CLOSED || (state == State.HALF_OPEN && trialsInFlight < settings.halfOpenTrials());
    }

    /** Lets a call through if permitted, taking a trial slot when half-open. */
    public synchronized boolean tryAcquirePermission() {
        advance();
        if (state == State.CLOSED) {
            return true;
        }
        if (state == State.HALF_OPEN && trialsInFlight < settings.halfOpenTrials()) {
            trialsInFlight++;
            return true;
        }
        return false;
    }

    /** A call succeeded: resets the failure count; a half-open breaker closes. */
    public synchronized void onSuccess() {
        advance();
        failures = 0;
        if (state == State.HALF_OPEN) {
            state = State.CLOSED;
            ejections = 0;
            trialsInFlight = 0;
        }
    }

    /** A call failed: counts towards opening; a half-open breaker opens again with a longer backoff. */
    public synchronized void onFailure() {
        advance();
        if (state == State.OPEN) {
            return; // a straggler that started before the breaker opened
        }
        if (state == State.HALF_OPEN || ++failures >= settings.consecutiveFailures()) {
            open();
        }
    }

    /** Closes the breaker and forgets its history (an operator's reset). */
    public synchronized void reset() {
        state = State.CLOSED;
        failures = 0;
        ejections = 0;
        trialsInFlight = 0;
    }

    private void open() {
        long base = settings.baseEjection().toNanos();
        long max = settings.maxEjection().toNanos();
        int shift = Math.min(ejections, 30);
        long backoff = base > (max >> shift) ? max : Math.min(max, base << shift);
        ejections++;
        state = State.OPEN;
        failures = 0;
        trialsInFlight = 0;
        openUntilNanos = System.nanoTime() + backoff;
    }

    private void advance() {
        if (state == State.OPEN && System.nanoTime() - openUntilNanos >= 0) {
            state = State.HALF_OPEN;
            trialsInFlight = 0;
        }
    }

    @Override
    public synchronized String toString() {
        advance();
        return "CircuitBreaker(" + state + ", failures " + failures + ", ejections " + ejections + ")";
    }
}
