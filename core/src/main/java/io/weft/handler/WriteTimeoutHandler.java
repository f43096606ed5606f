package io.weft.handler;

import io.weft.loop.ScheduledTask;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the channel when a write has not completed within the timeout (the peer stopped reading, the network
 * stalled): fires a {@link WriteTimeoutException} through the pipeline, then closes. Put it near the head of the
 * pipeline, so it sees the writes the transport will carry out.
 *
 * <p><b>Cost:</b> writes complete in order, so the handler keeps the pending writes' start times in a ring and runs
 * at most one loop timer, armed for the oldest pending write; when it fires it drops the writes that have completed
 * and either times out or re-arms for the remainder. No thread, no timer per write. A write passed with a
 * {@code null} promise gets one here, since completion can only be observed through a promise.
 *
 * <p>An instance keeps per-channel state: create one per channel. Callbacks run on the channel's loop.
 */
public class WriteTimeoutHandler implements Handler {

    private static final Logger log = LoggerFactory.getLogger(WriteTimeoutHandler.class);

    private final long timeoutNanos;
    private final Runnable check = this::check;

    private HandlerContext ctx;
    private ScheduledTask timer;
    private boolean stopped;
    // Ring of pending writes: their promises and start times.
    @SuppressWarnings("unchecked")
    private CompletableFuture<Void>[] promises = new CompletableFuture[16];
    private long[] starts = new long[16];
    private int head;
    private int size;

    /** @param timeoutSeconds seconds a write may stay pending before the channel is closed */
    public WriteTimeoutHandler(int timeoutSeconds) {
        this(timeoutSeconds, TimeUnit.SECONDS);
    }

    /**
     * @param timeout how long a write may stay pending before the channel is closed; must be positive
     * @param unit    its unit
     */
    public WriteTimeoutHandler(long timeout, TimeUnit unit) {
        if (timeout <= 0) {
            throw new IllegalArgumentException("write timeout must be positive, was " + timeout);
        }
        this.timeoutNanos = unit.toNanos(timeout);
    }

    /** Writes started and not yet known to be complete. Loop thread only; for tests and diagnostics. */
    public int pendingWrites() {
        dropCompleted();
        return size;
    }

    @Override
    public void handlerAdded(HandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void handlerRemoved(HandlerContext ctx) {
        stop();
    }

    @Override
    public void channelInactive(HandlerContext ctx) throws Exception {
        stop();
        ctx.fireChannelInactive();
    }

    private void stop() {
        stopped = true;
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
        for (int i = 0; i < size; i++) {
            promises[(head + i) & (promises.length - 1)] = null;
        }
        size = 0;
    }

    @Override
    public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) throws Exception {
        if (stopped) {
            ctx.write(msg, promise);
            return;
        }
        CompletableFuture<Void> observed = promise != null ? promise : new CompletableFuture<>();
        dropCompleted();
        add(observed, ctx.loop().nanoTime());
        if (timer == null) {
            timer = ctx.loop().schedule(check, timeoutNanos, TimeUnit.NANOSECONDS);
        }
        ctx.write(msg, observed);
    }

    private void add(CompletableFuture<Void> promise, long start) {
        if (size == promises.length) {
            grow();
        }
        int index = (head + size) & (promises.length - 1);
        promises[index] = promise;
        starts[index] = start;
        size++;
    }

    @SuppressWarnings("unchecked")
    private void grow() {
        int capacity = promises.length;
        CompletableFuture<Void>[] newPromises = new CompletableFuture[capacity << 1];
        long[] newStarts = new long[capacity << 1];
        for (int i = 0; i < size; i++) {
            int from = (head + i) & (capacity - 1);
            newPromises[i] = promises[from];
            newStarts[i] = starts[from];
        }
        promises = newPromises;
        starts = newStarts;
        head = 0;
    }

    /** Drops completed writes from the front of the ring. */
    private void dropCompleted() {
        while (size > 0 && promises[head].isDone()) {
            promises[head] = null;
            head = (head + 1) & (promises.length - 1);
            size--;
        }
    }

    private void check() {
        timer = null;
        if (stopped) {
            return;
        }
        dropCompleted();
        if (size == 0) {
            return;
        }
        long pending = ctx.loop().nanoTime() - starts[head];
        if (pending < timeoutNanos) {
            timer = ctx.loop().schedule(check, timeoutNanos - pending, TimeUnit.NANOSECONDS);
            return;
        }
        long timeoutMillis = TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
        long pendingMillis = TimeUnit.NANOSECONDS.toMillis(pending);
        stop();
        log.debug("{}: a write has been pending for {} ms, write timeout {} ms; closing", ctx.channel(),
                pendingMillis, timeoutMillis);
        try {
            writeTimedOut(ctx, new WriteTimeoutException(timeoutMillis, pendingMillis));
        } catch (Throwable t) {
            ctx.fireExceptionCaught(t);
        }
    }

    /** Fires {@code cause} and closes the channel; called once. */
    protected void writeTimedOut(HandlerContext ctx, WriteTimeoutException cause) throws Exception {
        ctx.fireExceptionCaught(cause);
        ctx.close();
    }
}
