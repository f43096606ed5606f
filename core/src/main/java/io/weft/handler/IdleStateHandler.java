package io.weft.handler;

import io.weft.loop.ScheduledTask;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Fires an {@link IdleStateEvent} as a user event when its channel has read nothing ({@link IdleState#READER_IDLE}),
 * written nothing ({@link IdleState#WRITER_IDLE}) or done neither ({@link IdleState#ALL_IDLE}) for a while; a
 * handler further on reacts in {@link Handler#userEvent}, for example by sending a heartbeat or closing:
 *
 * <pre>{@code
 * ch.pipeline().addLast("idle", new IdleStateHandler(60, 30, 0, TimeUnit.SECONDS))
 *              .addLast("heartbeat", new Handler() {
 *                  public void userEvent(HandlerContext ctx, Object event) {
 *                      if (event instanceof IdleStateEvent e && e.state() == IdleState.WRITER_IDLE) {
 *                          ctx.writeAndFlush(ping());
 *                      } else {
 *                          ctx.fireUserEvent(event);
 *                      }
 *                  }
 *              });
 * }</pre>
 *
 * <p>"Read" means a batch of inbound messages reached this handler; "written" means a {@code write} passed through
 * it on its way out (the time it was issued, not when the socket took it; use {@link WriteTimeoutHandler} to detect
 * writes that do not complete). While the channel stays idle the event repeats once per period, with
 * {@link IdleStateEvent#isFirst()} true only for the first.
 *
 * <p><b>Cost:</b> one loop timer per enabled kind, no threads. A read or write only stores a timestamp; the timer
 * is never cancelled and re-armed per event. When it fires it compares the elapsed time with the period and either
 * reports idleness or re-arms itself for the remainder. Timers start when the channel is active and stop when it
 * closes or the handler is removed.
 *
 * <p>An instance keeps per-channel state: create one per channel. Callbacks run on the channel's loop.
 */
public class IdleStateHandler implements Handler {

    private static final int NEW = 0;
    private static final int RUNNING = 1;
    private static final int STOPPED = 2;

    private final long readerIdleNanos;
    private final long writerIdleNanos;
    private final long allIdleNanos;

    private final Runnable readerCheck = this::checkReader;
    private final Runnable writerCheck = this::checkWriter;
    private final Runnable allCheck = this::checkAll;

    private HandlerContext ctx;
    private int state = NEW;
    private ScheduledTask readerTimer;
    private ScheduledTask writerTimer;
    private ScheduledTask allTimer;
    private long lastReadNanos;
    private long lastWriteNanos;
    private boolean reading;
    private boolean firstReaderIdle = true;
    private boolean firstWriterIdle = true;
    private boolean firstAllIdle = true;

    /**
     * @param readerIdleSeconds seconds without a read before {@link IdleState#READER_IDLE}; 0 disables
     * @param writerIdleSeconds seconds without a write before {@link IdleState#WRITER_IDLE}; 0 disables
     * @param allIdleSeconds    seconds without either before {@link IdleState#ALL_IDLE}; 0 disables
     */
    public IdleStateHandler(int readerIdleSeconds, int writerIdleSeconds, int allIdleSeconds) {
        this(readerIdleSeconds, writerIdleSeconds, allIdleSeconds, TimeUnit.SECONDS);
    }

    /**
     * @param readerIdle time without a read before {@link IdleState#READER_IDLE}; 0 or less disables
     * @param writerIdle time without a write before {@link IdleState#WRITER_IDLE}; 0 or less disables
     * @param allIdle    time without either before {@link IdleState#ALL_IDLE}; 0 or less disables
     * @param unit       the unit of the three times
     */
    public IdleStateHandler(long readerIdle, long writerIdle, long allIdle, TimeUnit unit) {
        this.readerIdleNanos = readerIdle <= 0 ? 0 : Math.max(1, unit.toNanos(readerIdle));
        this.writerIdleNanos = writerIdle <= 0 ? 0 : Math.max(1, unit.toNanos(writerIdle));
        this.allIdleNanos = allIdle <= 0 ? 0 : Math.max(1, unit.toNanos(allIdle));
    }

    /** The reader idle time in milliseconds (0: disabled). */
    public long readerIdleMillis() {
        return TimeUnit.NANOSECONDS.toMillis(readerIdleNanos);
    }

    /** The writer idle time in milliseconds (0: disabled). */
    public long writerIdleMillis() {
        return TimeUnit.NANOSECONDS.toMillis(writerIdleNanos);
    }

    /** The all idle time in milliseconds (0: disabled). */
    public long allIdleMillis() {
        return TimeUnit.NANOSECONDS.toMillis(allIdleNanos);
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void handlerAdded(HandlerContext ctx) throws Exception {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void handlerRemoved(HandlerContext ctx) throws Exception {
        stop();
    }

    @Override
    public void channelActive(HandlerContext ctx) throws Exception {
        start(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(HandlerContext ctx) throws Exception {
        stop();
        ctx.fireChannelInactive();
    }

    private void start(HandlerContext context) {
        if (state != NEW) {
            return;
        }
        state = RUNNING;
        ctx = context;
        long now = context.loop().nanoTime();
        lastReadNanos = now;
        lastWriteNanos = now;
        if (readerIdleNanos > 0) {
            readerTimer = schedule(readerCheck, readerIdleNanos);
        }
        if (writerIdleNanos > 0) {
            writerTimer = schedule(writerCheck, writerIdleNanos);
        }
        if (allIdleNanos > 0) {
            allTimer = schedule(allCheck, allIdleNanos);
        }
    }

    private void stop() {
        state = STOPPED;
        readerTimer = cancel(readerTimer);
        writerTimer = cancel(writerTimer);
        allTimer = cancel(allTimer);
    }

    private static ScheduledTask cancel(ScheduledTask task) {
        if (task != null) {
            task.cancel();
        }
        return null;
    }

    private ScheduledTask schedule(Runnable check, long delayNanos) {
        return ctx.loop().schedule(check, delayNanos, TimeUnit.NANOSECONDS);
    }

    // ------------------------------------------------------------------ activity

    @Override
    public void channelRead(HandlerContext ctx, Object msg) throws Exception {
        if (readerIdleNanos > 0 || allIdleNanos > 0) {
            reading = true;
            firstReaderIdle = true;
            firstAllIdle = true;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(HandlerContext ctx) throws Exception {
        if (reading) {
            lastReadNanos = ctx.loop().nanoTime();
            reading = false;
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) throws Exception {
        if (writerIdleNanos > 0 || allIdleNanos > 0) {
            lastWriteNanos = ctx.loop().nanoTime();
            firstWriterIdle = true;
            firstAllIdle = true;
        }
        ctx.write(msg, promise);
    }

    // ------------------------------------------------------------------ timers

    private void checkReader() {
        if (state != RUNNING) {
            return;
        }
        long remaining = reading ? readerIdleNanos : readerIdleNanos - (ctx.loop().nanoTime() - lastReadNanos);
        if (remaining > 0) {
            readerTimer = schedule(readerCheck, remaining);
            return;
        }
        readerTimer = schedule(readerCheck, readerIdleNanos);
        boolean first = firstReaderIdle;
        firstReaderIdle = false;
        fire(IdleStateEvent.of(IdleState.READER_IDLE, first));
    }

    private void checkWriter() {
        if (state != RUNNING) {
            return;
        }
        long remaining = writerIdleNanos - (ctx.loop().nanoTime() - lastWriteNanos);
        if (remaining > 0) {
            writerTimer = schedule(writerCheck, remaining);
            return;
        }
        writerTimer = schedule(writerCheck, writerIdleNanos);
        boolean first = firstWriterIdle;
        firstWriterIdle = false;
        fire(IdleStateEvent.of(IdleState.WRITER_IDLE, first));
    }

    private void checkAll() {
        if (state != RUNNING) {
            return;
        }
        long last = lastReadNanos - lastWriteNanos > 0 ? lastReadNanos : lastWriteNanos; // the later of the two
        long remaining = reading ? allIdleNanos : allIdleNanos - (ctx.loop().nanoTime() - last);
        if (remaining > 0) {
            allTimer = schedule(allCheck, remaining);
            return;
        }
        allTimer = schedule(allCheck, allIdleNanos);
        boolean first = firstAllIdle;
        firstAllIdle = false;
        fire(IdleStateEvent.of(IdleState.ALL_IDLE, first));
    }

    private void fire(IdleStateEvent event) {
        try {
            channelIdle(ctx, event);
        } catch (Throwable t) {
            ctx.fireExceptionCaught(t);
        }
    }

    /**
     * Called on the loop when the channel has been idle; fires {@code event} as a user event. Subclasses override
     * it to act instead (see {@link ReadTimeoutHandler}).
     */
    protected void channelIdle(HandlerContext ctx, IdleStateEvent event) throws Exception {
        ctx.fireUserEvent(event);
    }
}
