package io.weft.benchmarks.codec;

import io.weft.buffer.BufferAllocator;
import io.weft.buffer.PooledAllocator;
import io.weft.channel.Channel;
import io.weft.loop.EventLoop;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import io.weft.pipeline.Pipeline;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A {@link HandlerContext} that drives one Weft handler directly on the calling thread, with no loop hop: what the
 * handler fires inbound goes to {@code inbound}, what it writes goes to {@code outbound}. It is how the codec
 * benchmarks run Weft stages in memory (Netty's counterpart is {@code EmbeddedChannel}). {@link #channel()} is a
 * real, idle loopback channel, only so that stages can ask whether it is open; buffers come from the calling
 * thread's cache of the default pooled allocator. An exception fired or a close requested fails the benchmark.
 */
final class DirectContext implements HandlerContext {

    private final Handler handler;
    private final Channel channel;
    private final Consumer<Object> inbound;
    private final Consumer<Object> outbound;
    private final BufferAllocator alloc = PooledAllocator.DEFAULT;

    DirectContext(Handler handler, Channel channel, Consumer<Object> inbound, Consumer<Object> outbound) {
        this.handler = handler;
        this.channel = channel;
        this.inbound = inbound;
        this.outbound = outbound;
    }

    @Override
    public String name() {
        return "stage";
    }

    @Override
    public Handler handler() {
        return handler;
    }

    @Override
    public Channel channel() {
        return channel;
    }

    @Override
    public Pipeline pipeline() {
        throw new UnsupportedOperationException("not in a pipeline");
    }

    @Override
    public EventLoop loop() {
        return channel.loop();
    }

    @Override
    public BufferAllocator alloc() {
        return alloc;
    }

    @Override
    public boolean isRemoved() {
        return false;
    }

    @Override
    public HandlerContext fireChannelActive() {
        return this;
    }

    @Override
    public HandlerContext fireChannelInactive() {
        return this;
    }

    @Override
    public HandlerContext fireChannelRead(Object msg) {
        inbound.accept(msg);
        return this;
    }

    @Override
    public HandlerContext fireChannelReadComplete() {
        return this;
    }

    @Override
    public HandlerContext fireWritabilityChanged() {
        return this;
    }

    @Override
    public HandlerContext fireUserEvent(Object event) {
        return this;
    }

    @Override
    public HandlerContext fireExceptionCaught(Throwable cause) {
        throw new IllegalStateException("stage " + handler.getClass().getSimpleName() + " failed", cause);
    }

    @Override
    public void write(Object msg, CompletableFuture<Void> promise) {
        outbound.accept(msg);
        if (promise != null) {
            promise.complete(null);
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void read() {
    }

    @Override
    public void close(CompletableFuture<Void> promise) {
        throw new IllegalStateException("stage " + handler.getClass().getSimpleName() + " closed the channel");
    }

    @Override
    public void shutdownOutput(CompletableFuture<Void> promise) {
        throw new IllegalStateException("stage " + handler.getClass().getSimpleName() + " half-closed the channel");
    }
}
