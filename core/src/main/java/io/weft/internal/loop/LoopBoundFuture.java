package io.weft.internal.loop;

import io.weft.loop.EventLoop;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link CompletableFuture} completed by one event loop (a channel's close, connect or write promise). Blocking
 * on it ({@link #get()}, {@link #join()}, timed {@link #get(long, TimeUnit)}) from that loop's own thread before it
 * is done would wait for work only that thread can do: instead of hanging the loop and every channel on it, the
 * call throws {@link IllegalStateException} at once (Netty's {@code BlockingOperationException} plays the same part).
 * Futures derived from it ({@code thenApply}, ...) carry the same check. Internal: users see a
 * {@code CompletableFuture}.
 *
 * @param <T> the result type
 */
public final class LoopBoundFuture<T> extends CompletableFuture<T> {

    private final EventLoop loop;

    /** A future completed by {@code loop}. */
    public LoopBoundFuture(EventLoop loop) {
        this.loop = loop;
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        checkNotBlockingLoop();
        return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        checkNotBlockingLoop();
        return super.get(timeout, unit);
    }

    @Override
    public T join() {
        checkNotBlockingLoop();
        return super.join();
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new LoopBoundFuture<>(loop);
    }

    private void checkNotBlockingLoop() {
        if (!isDone() && loop != null && loop.inLoop()) {
            throw new IllegalStateException("blocking on this future from its own event loop thread would deadlock"
                    + " (the loop completes it); use whenComplete/thenRun, or block from another thread");
        }
    }
}
