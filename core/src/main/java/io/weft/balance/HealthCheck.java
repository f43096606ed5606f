package io.weft.balance;

import java.time.Duration;
import java.util.Objects;

/**
 * What an active health check does and how often: a TCP connect ({@link #tcp()}) or an HTTP/1.1 {@code GET path}
 * that must answer 2xx ({@link #http(String)}), every {@code interval} give or take {@code jitter}, each attempt
 * bounded by {@code timeout}. A backend goes {@link Backend.State#DOWN} after {@code fall} failed checks in a row
 * and comes back after {@code rise} good ones.
 *
 * <p>Defaults (HAProxy's): interval 2 s, jitter 20 % of the interval, timeout 1 s, rise 2, fall 3. Immutable; the
 * {@code with*} methods return a copy.
 */
public final class HealthCheck {

    /** Kinds of check. */
    public enum Kind {
        /** The check passes if a TCP connection opens within the timeout. */
        TCP,
        /** The check passes if {@code GET path} answers with a 2xx status line within the timeout. */
        HTTP
    }

    private final Kind kind;
    private final String path;
    private final Duration interval;
    private final double jitter;
    private final Duration timeout;
    private final int rise;
    private final int fall;

    private HealthCheck(Kind kind, String path, Duration interval, double jitter, Duration timeout, int rise,
            int fall) {
        if (interval.isNegative() || interval.isZero() || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("interval and timeout must be positive");
        }
        if (jitter < 0 || jitter > 1) {
            throw new IllegalArgumentException("jitter must be within [0, 1], was " + jitter);
        }
        if (rise <= 0 || fall <= 0) {
            throw new IllegalArgumentException("rise and fall must be positive");
        }
        this.kind = kind;
        this.path = path;
        this.interval = interval;
        this.jitter = jitter;
        this.timeout = timeout;
        this.rise = rise;
        this.fall = fall;
    }

    /** A TCP-connect check with the defaults. */
    public static HealthCheck tcp() {
        return new HealthCheck(Kind.TCP, null, Duration.ofSeconds(2), 0.2, Duration.ofSeconds(1), 2, 3);
    }

    /**
     * An HTTP check: {@code GET path HTTP/1.1} with {@code Host} set to the backend's address and
     * {@code Connection: close}; passes on a {@code 2xx} status line. Needs no HTTP codec: only the status line is
     * read (at most 1 KiB of it).
     *
     * @param path the request target, starting with {@code /}
     */
    public static HealthCheck http(String path) {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            throw new IllegalArgumentException("health check path must start with / and hold no spaces or "
                    + "control characters: " + path);
        }
        return new HealthCheck(Kind.HTTP, path, Duration.ofSeconds(2), 0.2, Duration.ofSeconds(1), 2, 3);
    }

    /** A copy checking every {@code interval}. */
    public HealthCheck withInterval(Duration interval) {
        return new HealthCheck(kind, path, interval, jitter, timeout, rise, fall);
    }

    /** A copy whose intervals vary by up to {@code fraction} (0 to 1) of the interval either way. */
    public HealthCheck withJitter(double fraction) {
        return new HealthCheck(kind, path, interval, fraction, timeout, rise, fall);
    }

    /** A copy whose attempts fail after {@code timeout}. */
    public HealthCheck withTimeout(Duration timeout) {
        return new HealthCheck(kind, path, interval, jitter, timeout, rise, fall);
    }

    /** A copy with {@code rise} good checks to come back up and {@code fall} failed ones to go down. */
    public HealthCheck withThresholds(int rise, int fall) {
        return new HealthCheck(kind, path, interval, jitter, timeout, rise, fall);
    }

    /** TCP or HTTP. */
    public Kind kind() {
        return kind;
    }

    /** The HTTP path, or {@code null} for a TCP check. */
    public String path() {
        return path;
    }

    /** The mean time between checks of one backend. */
    public Duration interval() {
        return interval;
    }

    /** The jitter as a fraction of the interval. */
    public double jitter() {
        return jitter;
    }

    /** How long one attempt may take. */
    public Duration timeout() {
        return timeout;
    }

    /** Good checks in a row that bring a down backend back. */
    public int rise() {
        return rise;
    }

    /** Failed checks in a row that take an up backend down. */
    public int fall() {
        return fall;
    }

    @Override
    public String toString() {
        return (kind == Kind.TCP ? "tcp" : "http GET " + path) + " every " + interval.toMillis() + " ms ±"
                + Math.round(jitter * 100) + " %, timeout " + timeout.toMillis() + " ms, rise " + rise + ", fall "
                + fall;
    }
}
