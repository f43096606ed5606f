package io.weft.loop;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs a framework fault with its stack trace at most once per interval and counts what it suppressed, so that a
 * fault repeating in a tight loop cannot flood the log.
 */
final class RateLimitedLog {

    private final Logger log;
    private final long intervalNanos;
    private final AtomicLong nextAllowed = new AtomicLong(System.nanoTime());
    private final AtomicLong suppressed = new AtomicLong();

    RateLimitedLog(Logger log, long intervalNanos) {
        this.log = log;
        this.intervalNanos = intervalNanos;
    }

    /** Logs {@code message} with {@code cause} at WARN unless another warning was logged within the interval. */
    void warn(String message, Throwable cause) {
        long now = System.nanoTime();
        long allowed = nextAllowed.get();
        if (now - allowed < 0 || !nextAllowed.compareAndSet(allowed, now + intervalNanos)) {
            suppressed.incrementAndGet();
            log.debug("{}: {}", message, String.valueOf(cause));
            return;
        }
        long skipped = suppressed.getAndSet(0);
        if (skipped > 0) {
            log.warn("{} ({} similar warnings suppressed)", message, skipped, cause);
        } else {
            log.warn(message, cause);
        }
    }
}
