package io.weft.internal.log;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * A rate limit for one WARN/ERROR log site, so that no peer (and no bug hit once per connection) can flood the
 * log. Lines are similar when they come from the same site and carry the same exception type (the last
 * argument, as in SLF4J); of similar lines at most {@link #DEFAULT_PERMITS} per
 * {@link #DEFAULT_INTERVAL_SECONDS} seconds are written, with their stack traces. Further ones in that interval
 * are counted, and the next similar line written after the interval is preceded by one summary line
 * "suppressed K similar messages". At most {@link #MAX_KINDS} exception types are told apart per site; the rest
 * share one limit.
 *
 * <p>One instance per call site. Thread-safe; nothing is taken unless the level is enabled. Not API (the package
 * is not exported).
 */
public final class ThrottledLog {

    /** Similar lines written per interval before the rest are suppressed. */
    public static final int DEFAULT_PERMITS = 10;
    /** The length of an interval in seconds. */
    public static final long DEFAULT_INTERVAL_SECONDS = 60;
    /** How many exception types one site tells apart. */
    public static final int MAX_KINDS = 64;

    private final Logger log;
    private final int permits;
    private final long intervalNanos;
    private final LongSupplier clock;
    private final ConcurrentMap<Class<?>, Window> windows = new ConcurrentHashMap<>();
    private final Window shared = new Window();

    /** A limiter for {@code log} with the default rate. */
    public ThrottledLog(Logger log) {
        this(log, DEFAULT_PERMITS, TimeUnit.SECONDS.toNanos(DEFAULT_INTERVAL_SECONDS), System::nanoTime);
    }

    /** For tests: {@code permits} lines per {@code intervalNanos} of {@code clock}. */
    public ThrottledLog(Logger log, int permits, long intervalNanos, LongSupplier clock) {
        if (permits < 1 || intervalNanos <= 0) {
            throw new IllegalArgumentException("permits " + permits + " and interval " + intervalNanos
                    + " ns must be positive");
        }
        this.log = log;
        this.permits = permits;
        this.intervalNanos = intervalNanos;
        this.clock = clock;
    }

    /** Logs at WARN unless similar lines exceeded the rate; the last argument may be the {@link Throwable}. */
    public void warn(String format, Object... args) {
        if (!log.isWarnEnabled()) {
            return;
        }
        long before = window(args).admit();
        if (before < 0) {
            return;
        }
        if (before > 0) {
            log.warn(summary(before));
        }
        log.warn(format, args);
    }

    /** Logs at ERROR unless similar lines exceeded the rate; the last argument may be the {@link Throwable}. */
    public void error(String format, Object... args) {
        if (!log.isErrorEnabled()) {
            return;
        }
        long before = window(args).admit();
        if (before < 0) {
            return;
        }
        if (before > 0) {
            log.error(summary(before));
        }
        log.error(format, args);
    }

    private Window window(Object[] args) {
        Class<?> kind = args.length > 0 && args[args.length - 1] instanceof Throwable t ? t.getClass() : Void.class;
        Window w = windows.get(kind);
        if (w == null) {
            if (windows.size() >= MAX_KINDS) {
                return shared;
            }
            w = windows.computeIfAbsent(kind, k -> new Window());
        }
        return w;
    }

    private String summary(long count) {
        return "suppressed " + count + " similar message" + (count == 1 ? "" : "s") + " (at most " + permits
                + " per " + TimeUnit.NANOSECONDS.toSeconds(intervalNanos) + " s are logged)";
    }

    private final class Window {
        private long start;
        private int used;
        private long suppressed;
        private boolean started;

        /**
         * Takes a permit. Returns -1 when the line must be suppressed, otherwise the number of lines suppressed
         * since the last summary (to be reported first).
         */
        synchronized long admit() {
            long now = clock.getAsLong();
            long reported = 0;
            if (!started || now - start >= intervalNanos) {
                started = true;
                start = now;
                used = 0;
                reported = suppressed;
                suppressed = 0;
            }
            if (used < permits) {
                used++;
                return reported;
            }
            suppressed++;
            return -1;
        }
    }
}
