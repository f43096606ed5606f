package io.weft.handler.traffic;

import java.util.concurrent.TimeUnit;

/**
 * A byte-rate budget: credit refills at the rate, up to 100 ms worth, and may go into debt; the time needed to pay
 * a debt back is the wait before the next read or write. Rate 0 means unlimited. Thread-safe (a global shaper's
 * limiter is shared by every loop).
 */
final class RateLimiter {

    private static final long BURST_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private volatile long bytesPerSecond;
    private double credit;
    private long last;

    RateLimiter(long bytesPerSecond, long nowNanos) {
        this.bytesPerSecond = checked(bytesPerSecond);
        this.last = nowNanos;
    }

    static long checked(long limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("a rate limit must not be negative (0: unlimited), was " + limit);
        }
        return limit;
    }

    long limit() {
        return bytesPerSecond;
    }

    synchronized void limit(long bytesPerSecond, long nowNanos) {
        refill(nowNanos);
        this.bytesPerSecond = checked(bytesPerSecond);
        credit = Math.max(credit, 0);
    }

    /** Takes {@code bytes}; returns how long to wait (nanoseconds) until the budget is back out of debt. */
    synchronized long debit(long bytes, long nowNanos) {
        long rate = bytesPerSecond;
        if (rate == 0) {
            return 0;
        }
        refill(nowNanos);
        credit -= bytes;
        return credit >= 0 ? 0 : (long) Math.ceil(-credit * 1e9 / rate);
    }

    /** How long until the budget is out of debt, without taking anything. */
    synchronized long waitNanos(long nowNanos) {
        long rate = bytesPerSecond;
        if (rate == 0) {
            return 0;
        }
        refill(nowNanos);
        return credit >= 0 ? 0 : (long) Math.ceil(-credit * 1e9 / rate);
    }

    private void refill(long now) {
        long rate = bytesPerSecond;
        long elapsed = now - last;
        last = now;
        if (rate == 0 || elapsed <= 0) {
            return;
        }
        double cap = rate * (BURST_NANOS / 1e9);
        credit = Math.min(cap, credit + elapsed * (rate / 1e9));
    }
}
