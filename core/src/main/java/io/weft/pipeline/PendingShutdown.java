package io.weft.pipeline;

import java.util.concurrent.CompletableFuture;

/**
 * A half-close ({@link Handler#shutdownOutput}) held back by a handler until the writes it holds have gone: a traffic
 * shaper's queue, writes waiting for a key exchange, a TLS handler's queue. Several requests merge into one; each
 * request's promise completes with it.
 *
 * <pre>{@code
 * public void shutdownOutput(HandlerContext ctx, CompletableFuture<Void> promise) {
 *     if (queue.isEmpty()) {
 *         ctx.shutdownOutput(promise);
 *     } else {
 *         shutdown.add(promise);   // writes made from now on should fail: the output is ending
 *     }
 * }
 * // once the queue has drained:          shutdown.passOn(ctx);
 * // when the channel closes or fails:    shutdown.fail(new ClosedChannelException());
 * }</pre>
 *
 * <p>Loop thread only, like the handler that owns it.
 */
public final class PendingShutdown {

    private boolean requested;
    /** The first request's promise, or {@code null} while no request asked for completion. */
    private CompletableFuture<Void> promise;

    /** Records a request; {@code promise} (may be {@code null}) completes as the first request's does. */
    public void add(CompletableFuture<Void> promise) {
        requested = true;
        if (promise == null) {
            return;
        }
        CompletableFuture<Void> first = this.promise;
        if (first == null) {
            this.promise = promise;
            return;
        }
        first.whenComplete((v, t) -> {
            if (t != null) {
                promise.completeExceptionally(t);
            } else {
                promise.complete(null);
            }
        });
    }

    /** Whether a half-close is being held back. */
    public boolean isRequested() {
        return requested;
    }

    /**
     * Forgets the request and returns the promise to complete (may be {@code null}), for a handler that ends the
     * output itself; {@code null} also when none was requested.
     */
    public CompletableFuture<Void> take() {
        CompletableFuture<Void> p = promise;
        requested = false;
        promise = null;
        return p;
    }

    /** Passes the half-close held back on towards the head ({@code ctx.shutdownOutput}), if one was requested. */
    public void passOn(HandlerContext ctx) {
        if (requested) {
            ctx.shutdownOutput(take());
        }
    }

    /** Forgets the request and fails its promise with {@code cause} (the channel closed, the handler failed). */
    public void fail(Throwable cause) {
        CompletableFuture<Void> p = take();
        if (p != null) {
            p.completeExceptionally(cause);
        }
    }
}
