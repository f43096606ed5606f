package io.weft.benchmarks.transport;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Lets the JMH thread wait, without allocating and without spinning a core, for event-loop threads to report that
 * {@code n} events have happened. The same class serves the Weft and the Netty rigs.
 */
final class Waiter {

    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final AtomicInteger remaining = new AtomicInteger();
    private volatile Thread thread;
    private volatile String failure;

    /** Expects {@code n} calls of {@link #countDown()}; called by the waiting thread before it starts the work. */
    void arm(int n) {
        thread = Thread.currentThread();
        remaining.set(n);
    }

    /** Called from a loop thread. */
    void countDown() {
        if (remaining.decrementAndGet() == 0) {
            LockSupport.unpark(thread);
        }
    }

    /** Called from a loop thread when the benchmark cannot go on; {@link #await()} then throws. */
    void fail(String why) {
        failure = why;
        remaining.set(0);
        LockSupport.unpark(thread);
    }

    /** Blocks until the armed count has been reached. */
    void await() {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (remaining.get() > 0) {
            LockSupport.parkNanos(this, 1_000_000);
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("no progress for 30 s: " + remaining.get() + " outstanding");
            }
        }
        String why = failure;
        if (why != null) {
            throw new IllegalStateException(why);
        }
    }
}
