package io.weft.codec.tls;

import io.weft.buffer.ReferenceCounted;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * Writes a {@link TlsHandler} cannot encrypt yet (the handshake is not done), in order, with their promises, and
 * whether a flush was asked for meanwhile. Loop thread only.
 */
final class TlsPendingWrites {

    /** One queued write. */
    record Entry(Object msg, CompletableFuture<Void> promise) {
    }

    private final ArrayDeque<Entry> queue = new ArrayDeque<>();
    private boolean flushRequested;

    void add(Object msg, CompletableFuture<Void> promise) {
        queue.add(new Entry(msg, promise));
    }

    /** The oldest entry, removed; {@code null} if none. */
    Entry poll() {
        return queue.poll();
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    void requestFlush() {
        flushRequested = true;
    }

    /** Whether a flush was requested since the last call; clears the request. */
    boolean takeFlushRequest() {
        boolean f = flushRequested;
        flushRequested = false;
        return f;
    }

    /** Releases every queued message and fails its promise with {@code cause}. */
    void failAll(Throwable cause) {
        Entry e;
        while ((e = queue.poll()) != null) {
            ReferenceCounted.safeRelease(e.msg);
            if (e.promise != null) {
                e.promise.completeExceptionally(cause);
            }
        }
    }
}
