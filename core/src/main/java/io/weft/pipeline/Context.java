package io.weft.pipeline;

import io.weft.buffer.BufferAllocator;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.Channel;
import io.weft.internal.loop.UrgentTask;
import io.weft.loop.EventLoop;
import io.weft.loop.LoopOverloadedException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/** The linked-list node behind a {@link HandlerContext}. */
final class Context implements HandlerContext {

    final Pipeline pipeline;
    final String name;
    final Handler handler;
    volatile Context prev;
    volatile Context next;
    volatile boolean removed;

    Context(Pipeline pipeline, String name, Handler handler) {
        this.pipeline = pipeline;
        this.name = name;
        this.handler = handler;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Handler handler() {
        return handler;
    }

    @Override
    public Channel channel() {
        return pipeline.channel();
    }

    @Override
    public Pipeline pipeline() {
        return pipeline;
    }

    @Override
    public EventLoop loop() {
        return pipeline.channel().loop();
    }

    @Override
    public BufferAllocator alloc() {
        return pipeline.channel().allocator();
    }

    @Override
    public boolean isRemoved() {
        return removed;
    }

    // ------------------------------------------------------------------ inbound

    @Override
    public HandlerContext fireChannelActive() {
        Context n = next;
        if (loop().inLoop()) {
            n.invokeChannelActive();
        } else {
            loop().execute(n::invokeChannelActive);
        }
        return this;
    }

    void invokeChannelActive() {
        try {
            pipeline.callbackDepth++;
            try {
                handler.channelActive(this);
            } finally {
                pipeline.callbackDepth--;
            }
        } catch (Throwable t) {
            handlerThrew(t);
        }
    }

    @Override
    public HandlerContext fireChannelInactive() {
        Context n = next;
        if (loop().inLoop()) {
            n.invokeChannelInactive();
        } else {
            loop().execute(n::invokeChannelInactive);
        }
        return this;
    }

    void invokeChannelInactive() {
        try {
            pipeline.callbackDepth++;
            try {
                handler.channelInactive(this);
            } finally {
                pipeline.callbackDepth--;
            }
        } catch (Throwable t) {
            handlerThrew(t);
        }
    }

    @Override
    public HandlerContext fireChannelRead(Object msg) {
        Context n = next;
        if (loop().inLoop()) {
            n.invokeChannelRead(msg);
        } else {
            loop().execute(() -> n.invokeChannelRead(msg));
        }
        return this;
    }

    void invokeChannelRead(Object msg) {
        try {
            pipeline.callbackDepth++;
            try {
                handler.channelRead(this, msg);
            } finally {
                pipeline.callbackDepth--;
            }
        } catch (Throwable t) {
            handlerThrew(t);
        }
    }

    @Override
    public HandlerContext fireChannelReadComplete() {
        Context n = next;
        if (loop().inLoop()) {
            n.invokeChannelReadComplete();
        } else {
            loop().execute(n::invokeChannelReadComplete);
        }
        return this;
    }

    void invokeChannelReadComplete() {
        try {
            pipeline.callbackDepth++;
            try {
                handler.channelReadComplete(this);
            } finally {
                pipeline.callbackDepth--;
            }
        } catch (Throwable t) {
            handlerThrew(t);
        }
    }

    @Override
    public HandlerContext fireWritabilityChanged() {
        Context n = next;
        if (loop().inLoop()) {
            n.invokeWritabilityChanged();
        } else {
            loop().execute(n::invokeWritabilityChanged);
        }
        return this;
    }

    void invokeWritabilityChanged() {
        try {
            pipeline.callbackDepth++;
            try {
                handler.writabilityChanged(this);
            } finally {
                pipeline.callbackDepth--;
            }
        } catch (Throwable t) {
            handlerThrew(t);
        }
    }

    @Override
    public HandlerContext fireUserEvent(Object event) {
        Context n = next;
        if (loop().inLoop()) {
            n.invokeUserEvent(event);
        } else {
            loop().execute(() -> n.invokeUserEvent(event));
        }
        return this;
    }

    void invokeUserEvent(Object event) {
        try {
            pipeline.callbackDepth++;
            try {
                handler.userEvent(this, event);
            } finally {
                pipeline.callbackDepth--;
            }
        } catch (Throwable t) {
            handlerThrew(t);
        }
    }

    @Override
    public HandlerContext fireExceptionCaught(Throwable cause) {
        Context n = next;
        if (loop().inLoop()) {
            n.invokeExceptionCaught(cause);
        } else {
            loop().execute(() -> n.invokeExceptionCaught(cause));
        }
        return this;
    }

    /**
     * An inbound callback of this handler threw: the exception goes to this handler's {@code exceptionCaught}. An
     * {@link Error} (out of memory, stack overflow, ...) leaves the handler's state in doubt, so the channel is
     * closed too, after the current callback has unwound.
     */
    private void handlerThrew(Throwable t) {
        invokeExceptionCaught(t);
        if (t instanceof Error) {
            Pipeline.log.debug("{}: handler '{}' threw {}; closing the channel", channel(), name, t.toString());
            later(() -> channel().close());
        }
    }

    /** Runs {@code task} on the loop after the current callback; dropped if the loop is gone (so is the channel). */
    private void later(Runnable task) {
        try {
            loop().execute(task);
        } catch (RejectedExecutionException e) {
            Pipeline.log.debug("{}: loop terminated, dropped a deferred pipeline task", channel());
        }
    }

    void invokeExceptionCaught(Throwable cause) {
        try {
            pipeline.callbackDepth++;
            try {
                handler.exceptionCaught(this, cause);
            } finally {
                pipeline.callbackDepth--;
            }
        } catch (Throwable t) {
            Pipeline.handlerFaults.warn("{}: exceptionCaught() of handler '{}' threw while handling {}", channel(),
                    name, cause, t);
        }
    }

    // ------------------------------------------------------------------ outbound

    @Override
    public void write(Object msg, CompletableFuture<Void> promise) {
        Context p = prev;
        if (loop().inLoop()) {
            p.invokeWrite(msg, promise);
        } else {
            try {
                loop().execute(() -> p.invokeWrite(msg, promise));
            } catch (RejectedExecutionException e) {
                refused(msg, promise, e);
            }
        }
    }

    /**
     * A write handed over from another thread was refused by the loop: the message is released, and a full task
     * queue fails the write with the loop's typed error (thrown to the caller when nobody listens); a terminated
     * loop means a closed channel, so the write fails like any write after close.
     */
    static void refused(Object msg, CompletableFuture<Void> promise, RejectedExecutionException e) {
        ReferenceCounted.safeRelease(msg);
        if (e instanceof LoopOverloadedException && promise == null) {
            throw e;
        }
        if (promise != null) {
            promise.completeExceptionally(e instanceof LoopOverloadedException ? e : new ClosedChannelException());
        }
    }

    void invokeWrite(Object msg, CompletableFuture<Void> promise) {
        try {
            handler.write(this, msg, promise);
        } catch (Throwable t) {
            failOutbound(promise, t);
        }
    }

    @Override
    public void flush() {
        Context p = prev;
        if (loop().inLoop()) {
            p.invokeFlush();
        } else {
            loop().execute(p::invokeFlush);
        }
    }

    void invokeFlush() {
        try {
            handler.flush(this);
        } catch (Throwable t) {
            failOutbound(null, t);
        }
    }

    @Override
    public void read() {
        Context p = prev;
        if (loop().inLoop()) {
            p.invokeRead();
        } else {
            loop().execute(p::invokeRead);
        }
    }

    void invokeRead() {
        try {
            handler.read(this);
        } catch (Throwable t) {
            failOutbound(null, t);
        }
    }

    @Override
    public void close(CompletableFuture<Void> promise) {
        Context p = prev;
        if (loop().inLoop()) {
            p.invokeClose(promise);
        } else {
            // Never refused for a full queue: a close frees what the queue's producers hold.
            loop().execute(UrgentTask.of(() -> p.invokeClose(promise)));
        }
    }

    void invokeClose(CompletableFuture<Void> promise) {
        try {
            handler.close(this, promise);
        } catch (Throwable t) {
            failOutbound(promise, t);
        }
    }

    @Override
    public void shutdownOutput(CompletableFuture<Void> promise) {
        Context p = prev;
        if (loop().inLoop()) {
            p.invokeShutdownOutput(promise);
        } else {
            // Not urgent: it must follow the writes handed to the loop before it.
            try {
                loop().execute(() -> p.invokeShutdownOutput(promise));
            } catch (RejectedExecutionException e) {
                refused(null, promise, e);
            }
        }
    }

    void invokeShutdownOutput(CompletableFuture<Void> promise) {
        try {
            handler.shutdownOutput(this, promise);
        } catch (Throwable t) {
            failOutbound(promise, t);
        }
    }

    /**
     * An outbound callback of this handler threw: the promise fails and the exception is fired through the pipeline,
     * after the current inbound callback has unwound when the operation came from one (rule 8: a handler's own
     * write never calls back into its pipeline before it returns); an {@link Error} also closes the channel, after
     * the current callback has unwound.
     */
    private void failOutbound(CompletableFuture<Void> promise, Throwable t) {
        if (promise != null) {
            promise.completeExceptionally(t);
        }
        if (pipeline.inHandlerCallback()) {
            later(() -> pipeline.fireExceptionCaught(t));
        } else {
            pipeline.fireExceptionCaught(t);
        }
        if (t instanceof Error) {
            later(() -> channel().close());
        }
    }

    @Override
    public String toString() {
        return "HandlerContext(" + name + ", " + handler.getClass().getSimpleName() + ")";
    }
}
