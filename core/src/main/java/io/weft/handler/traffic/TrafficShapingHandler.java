package io.weft.handler.traffic;

import io.weft.buffer.Buffer;
import io.weft.buffer.BufferHolder;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.ChannelOption;
import io.weft.channel.FileRegion;
import io.weft.loop.ScheduledTask;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import io.weft.pipeline.PendingShutdown;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Limits the read and write byte rates of a channel, with the semantics of Netty's traffic-shaping handlers: it
 * never buffers reads, it stops reading. Add it <b>first</b> in the pipeline (it counts raw bytes, before TLS or
 * codecs), one instance per channel:
 *
 * <pre>{@code
 * ch.pipeline().addLast("shaping", new TrafficShapingHandler(1 << 20, 1 << 20)) // 1 MiB/s each way
 *              .addLast("tls", tls.build()) ...;
 * // or, all channels together: GlobalTrafficShaper global = new GlobalTrafficShaper(10 << 20, 10 << 20);
 * ch.pipeline().addLast("shaping", global.newHandler());
 * }</pre>
 *
 * <p><b>Reads:</b> each buffer read is passed on at once and charged to the budget (a credit refilled at the
 * limit, up to 100 ms worth, that may run into debt). In debt, the handler turns the channel's
 * {@link ChannelOption#AUTO_READ} off and schedules a loop timer that turns it back on when the debt is paid, so the
 * peer is slowed down by TCP flow control and nothing piles up in memory. At most one read batch
 * ({@link ChannelOption#MAX_READS_PER_EVENT} × {@link ChannelOption#RECEIVE_BUFFER_MAX}) arrives after the pause
 * starts; it is charged too, so the average rate holds. If the application had auto-read off itself, the handler
 * leaves it alone.
 *
 * <p><b>Writes:</b> a write that finds the budget in debt waits in a queue until the debt is paid (a loop timer),
 * then goes on with its promise; a flush is carried out once the writes before it went. The queue is bounded
 * ({@link #maxQueuedBytes}, default 4 MiB): above half of it {@link #isWritable()} turns {@code false} and a
 * {@link ShapingWritabilityEvent} is fired (again when it drains below a quarter), and a write that would exceed it
 * fails its promise with a {@link TrafficShapingException}. Waits are capped at 15 s per step.
 *
 * <p>Rates are in bytes per second; 0 means unlimited. Runs on the channel's loop; {@link #configure} and the
 * getters may be called from any thread.
 */
public final class TrafficShapingHandler implements Handler {

    /** Default bound on bytes held back by write shaping. */
    public static final long DEFAULT_MAX_QUEUED_BYTES = 4L << 20;
    private static final long MAX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(15);

    private final GlobalTrafficShaper global;
    private final RateLimiter channelRead;
    private final RateLimiter channelWrite;
    private final long maxQueuedBytes;
    private final ArrayDeque<Queued> queue = new ArrayDeque<>();
    private HandlerContext ctx;
    private long queuedBytes;
    private volatile boolean writable = true;
    private boolean flushAfterDrain;
    /** A half-close asked for while writes were held back: passed on once they have gone. */
    private final PendingShutdown shutdown = new PendingShutdown();
    private boolean readPaused;
    private ScheduledTask resumeRead;
    private ScheduledTask drainTimer;
    private volatile long bytesRead;
    private volatile long bytesWritten;
    private volatile long readPauses;

    private record Queued(Object msg, CompletableFuture<Void> promise, long size) {
    }

    /**
     * Per-channel limits in bytes per second (0: unlimited). Note the order: read first (Netty's
     * {@code ChannelTrafficShapingHandler} takes the write limit first).
     */
    public TrafficShapingHandler(long readLimit, long writeLimit) {
        this(null, readLimit, writeLimit, DEFAULT_MAX_QUEUED_BYTES);
    }

    /** Per-channel limits and a bound on bytes held back by write shaping. */
    public TrafficShapingHandler(long readLimit, long writeLimit, long maxQueuedBytes) {
        this(null, readLimit, writeLimit, maxQueuedBytes);
    }

    TrafficShapingHandler(GlobalTrafficShaper global, long readLimit, long writeLimit) {
        this(global, readLimit, writeLimit, DEFAULT_MAX_QUEUED_BYTES);
    }

    private TrafficShapingHandler(GlobalTrafficShaper global, long readLimit, long writeLimit, long maxQueued) {
        long now = System.nanoTime();
        this.global = global;
        this.channelRead = new RateLimiter(readLimit, now);
        this.channelWrite = new RateLimiter(writeLimit, now);
        if (maxQueued <= 0) {
            throw new IllegalArgumentException("maxQueuedBytes must be positive, was " + maxQueued);
        }
        this.maxQueuedBytes = maxQueued;
    }

    /** Changes this channel's own limits (bytes per second, 0: unlimited); applies from the next read or write. */
    public void configure(long readLimit, long writeLimit) {
        long now = System.nanoTime();
        channelRead.limit(readLimit, now);
        channelWrite.limit(writeLimit, now);
    }

    /** Whether the write queue is below its high mark; producers should wait for it otherwise. */
    public boolean isWritable() {
        return writable;
    }

    /** Bound on bytes held back by write shaping. */
    public long maxQueuedBytes() {
        return maxQueuedBytes;
    }

    /** Bytes read through this handler. */
    public long bytesRead() {
        return bytesRead;
    }

    /** Bytes passed on for writing by this handler. */
    public long bytesWritten() {
        return bytesWritten;
    }

    /** How many times reading was paused. */
    public long readPauses() {
        return readPauses;
    }

    static long sizeOf(Object msg) {
        if (msg instanceof Buffer b) {
            return b.readableBytes();
        }
        if (msg instanceof BufferHolder h) {
            return h.content().readableBytes();
        }
        if (msg instanceof FileRegion r) {
            return r.remaining();
        }
        return 0;
    }

    @Override
    public void handlerAdded(HandlerContext ctx) {
        this.ctx = ctx;
    }

    // ------------------------------------------------------------------ reads

    @Override
    public void channelRead(HandlerContext ctx, Object msg) {
        long n = sizeOf(msg);
        bytesRead += n;
        long now = System.nanoTime();
        long wait = channelRead.debit(n, now);
        if (global != null) {
            wait = Math.max(wait, global.read.debit(n, now));
        }
        ctx.fireChannelRead(msg);
        if (wait > 0) {
            pauseReading(Math.min(wait, MAX_WAIT_NANOS));
        }
    }

    private void pauseReading(long nanos) {
        if (readPaused || !ctx.channel().isOpen()) {
            return;
        }
        if (!ctx.channel().option(ChannelOption.AUTO_READ)) {
            return; // the application manages reading itself
        }
        readPaused = true;
        readPauses++;
        ctx.channel().setOption(ChannelOption.AUTO_READ, false);
        resumeRead = ctx.loop().schedule(this::resumeReading, nanos, TimeUnit.NANOSECONDS);
    }

    private void resumeReading() {
        resumeRead = null;
        if (!readPaused) {
            return;
        }
        long now = System.nanoTime();
        long wait = channelRead.waitNanos(now);
        if (global != null) {
            wait = Math.max(wait, global.read.waitNanos(now));
        }
        if (wait > 0) { // the global budget was spent by others meanwhile
            resumeRead = ctx.loop().schedule(this::resumeReading, Math.min(wait, MAX_WAIT_NANOS),
                    TimeUnit.NANOSECONDS);
            return;
        }
        readPaused = false;
        if (ctx.channel().isOpen()) {
            ctx.channel().setOption(ChannelOption.AUTO_READ, true);
        }
    }

    // ------------------------------------------------------------------ writes

    @Override
    public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) {
        if (shutdown.isRequested()) {
            // After a half-close that waits for the queue: the output is ending, as the channel would say.
            ReferenceCounted.safeRelease(msg);
            if (promise != null) {
                promise.completeExceptionally(new ClosedChannelException());
            }
            return;
        }
        long n = sizeOf(msg);
        if (queue.isEmpty() && writeWait(System.nanoTime()) == 0) {
            send(msg, promise, n);
            return;
        }
        if (queuedBytes + n > maxQueuedBytes) {
            ReferenceCounted.safeRelease(msg);
            TrafficShapingException e = new TrafficShapingException("write of " + n + " bytes would hold "
                    + (queuedBytes + n) + " bytes back, over the limit of " + maxQueuedBytes);
            if (promise != null) {
                promise.completeExceptionally(e);
            } else {
                ctx.fireExceptionCaught(e);
            }
            return;
        }
        queue.add(new Queued(msg, promise, n));
        queuedBytes += n;
        if (writable && queuedBytes > maxQueuedBytes / 2) {
            writable = false;
            // After this write returns: no inbound event from inside an outbound call (no re-entrancy).
            ctx.loop().execute(() -> ctx.fireUserEvent(ShapingWritabilityEvent.UNWRITABLE));
        }
        scheduleDrain();
    }

    private long writeWait(long now) {
        long wait = channelWrite.waitNanos(now);
        if (global != null) {
            wait = Math.max(wait, global.write.waitNanos(now));
        }
        return wait;
    }

    private void send(Object msg, CompletableFuture<Void> promise, long n) {
        long now = System.nanoTime();
        channelWrite.debit(n, now);
        if (global != null) {
            global.write.debit(n, now);
        }
        bytesWritten += n;
        ctx.write(msg, promise);
    }

    @Override
    public void flush(HandlerContext ctx) {
        if (queue.isEmpty()) {
            ctx.flush();
        } else {
            flushAfterDrain = true;
        }
    }

    /** Passed on at once, or once the writes held back before it have been sent. */
    @Override
    public void shutdownOutput(HandlerContext ctx, CompletableFuture<Void> promise) {
        if (queue.isEmpty()) {
            ctx.shutdownOutput(promise);
        } else {
            shutdown.add(promise);
        }
    }

    private void scheduleDrain() {
        if (drainTimer != null) {
            return;
        }
        long wait = Math.max(1, Math.min(writeWait(System.nanoTime()), MAX_WAIT_NANOS));
        drainTimer = ctx.loop().schedule(this::drain, wait, TimeUnit.NANOSECONDS);
    }

    private void drain() {
        drainTimer = null;
        boolean sent = false;
        while (!queue.isEmpty() && writeWait(System.nanoTime()) == 0) {
            Queued q = queue.poll();
            queuedBytes -= q.size();
            send(q.msg(), q.promise(), q.size());
            sent = true;
        }
        if (sent && (flushAfterDrain || !queue.isEmpty())) {
            ctx.flush();
            if (queue.isEmpty()) {
                flushAfterDrain = false;
            }
        }
        if (queue.isEmpty()) {
            shutdown.passOn(ctx);
        }
        if (!writable && queuedBytes < maxQueuedBytes / 4) {
            writable = true;
            ctx.fireUserEvent(ShapingWritabilityEvent.WRITABLE);
        }
        if (!queue.isEmpty()) {
            scheduleDrain();
        }
    }

    // ------------------------------------------------------------------ end

    @Override
    public void channelInactive(HandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(HandlerContext ctx) {
        release();
    }

    private void release() {
        if (resumeRead != null) {
            resumeRead.cancel();
            resumeRead = null;
        }
        if (drainTimer != null) {
            drainTimer.cancel();
            drainTimer = null;
        }
        Queued q;
        while ((q = queue.poll()) != null) {
            ReferenceCounted.safeRelease(q.msg());
            if (q.promise() != null) {
                q.promise().completeExceptionally(new ClosedChannelException());
            }
        }
        queuedBytes = 0;
        if (shutdown.isRequested()) {
            shutdown.fail(new ClosedChannelException());
        }
    }
}
