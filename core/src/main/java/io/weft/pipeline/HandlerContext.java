package io.weft.pipeline;

import io.weft.buffer.BufferAllocator;
import io.weft.channel.Channel;
import io.weft.loop.EventLoop;
import java.util.concurrent.CompletableFuture;

/**
 * A handler's place in a {@link Pipeline}: the way it passes events on. {@code fire*} methods send an inbound
 * event to the next handler towards the tail; {@link #write}, {@link #flush}, {@link #read}, {@link #close} and
 * {@link #shutdownOutput} send an outbound operation to the next handler towards the head.
 *
 * <p>Meant to be used on the channel's loop (inside handler callbacks); called from another thread, each method
 * hands its work to the loop and returns at once.
 */
public interface HandlerContext {

    /** This context's name in the pipeline. */
    String name();

    /** The handler this context wraps. */
    Handler handler();

    /** The channel whose pipeline this is. */
    Channel channel();

    /** The pipeline this context belongs to. */
    Pipeline pipeline();

    /** The channel's event loop. */
    EventLoop loop();

    /** The channel's buffer allocator. */
    BufferAllocator alloc();

    /** Whether the handler has been removed from the pipeline. */
    boolean isRemoved();

    /** Passes channel-active on. */
    HandlerContext fireChannelActive();

    /** Passes channel-inactive on. */
    HandlerContext fireChannelInactive();

    /** Passes {@code msg} (and its ownership) to the next inbound handler. */
    HandlerContext fireChannelRead(Object msg);

    /** Passes read-complete on. */
    HandlerContext fireChannelReadComplete();

    /** Passes writability-changed on. */
    HandlerContext fireWritabilityChanged();

    /** Passes a user event on. */
    HandlerContext fireUserEvent(Object event);

    /** Passes an exception on. */
    HandlerContext fireExceptionCaught(Throwable cause);

    /** Writes {@code msg} towards the head without asking for completion. */
    default void write(Object msg) {
        write(msg, null);
    }

    /** Writes {@code msg} towards the head; {@code promise} (may be {@code null}) completes when it is written. */
    void write(Object msg, CompletableFuture<Void> promise);

    /** Writes {@code msg} and flushes. */
    default void writeAndFlush(Object msg) {
        write(msg, null);
        flush();
    }

    /**
     * Writes {@code msg} and flushes; {@code promise} (may be {@code null}) completes when it is written.
     *
     * @return {@code promise}, for chaining: {@code ctx.writeAndFlush(msg, ctx.channel().newPromise()).thenRun(...)}
     */
    default CompletableFuture<Void> writeAndFlush(Object msg, CompletableFuture<Void> promise) {
        write(msg, promise);
        flush();
        return promise;
    }

    /** Flushes towards the head. */
    void flush();

    /** Requests a batch of reads towards the head. */
    void read();

    /** Closes the channel through the handlers towards the head. */
    default CompletableFuture<Void> close() {
        CompletableFuture<Void> promise = new CompletableFuture<>();
        close(promise);
        return promise;
    }

    /** Closes the channel; {@code promise} (may be {@code null}) completes when it is closed. */
    void close(CompletableFuture<Void> promise);

    /**
     * Half-closes through the handlers towards the head: the output ends once everything written before has been
     * sent, and reading goes on. {@code promise} (may be {@code null}) completes once the output is shut down; it
     * fails with an {@link UnsupportedOperationException} on a channel without a half-close (UDP).
     *
     * @see Handler#shutdownOutput
     */
    void shutdownOutput(CompletableFuture<Void> promise);
}
