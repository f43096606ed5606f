package io.weft.codec.tls;

import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.Channel;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * Writes a {@link TlsHandler} cannot encrypt yet, in order, with their promises, and whether a flush was asked
 * for meanwhile. Bounded: the {@link Buffer} bytes it holds never exceed {@code maxBytes}. While {@link #counting}
 * (before the handshake completes) those bytes are also counted toward the channel's write-buffer watermarks
 * through {@link Channel#adjustPendingOutboundBytes}, so {@code isWritable()} turns {@code false} as they pile up.
 * Loop thread only.
 */
final class TlsPendingWrites {

    /** One queued write: a {@link Buffer} or a {@code FileRegion}. */
    record Entry(Object msg, CompletableFuture<Void> promise) {
    }

    private final ArrayDeque<Entry> queue = new ArrayDeque<>();
    private final int maxBytes;
    private Channel channel;
    private long bytes;
    private long countedBytes;
    private boolean counting = true;
    private boolean flushRequested;

    TlsPendingWrites(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    void attach(Channel channel) {
        this.channel = channel;
    }

    /** Buffer bytes queued. */
    long bytes() {
        return bytes;
    }

    /**
     * Queues {@code msg}.
     *
     * @return {@code false} (nothing queued) if its bytes would take the queue above its bound
     */
    boolean add(Object msg, CompletableFuture<Void> promise) {
        int size = msg instanceof Buffer b ? b.readableBytes() : 0;
        if (bytes + size > maxBytes) {
            return false;
        }
        queue.add(new Entry(msg, promise));
        bytes += size;
        if (counting && size > 0) {
            countedBytes += size;
            channel.adjustPendingOutboundBytes(size);
        }
        return true;
    }

    /** The oldest entry, removed; {@code null} if none. */
    Entry poll() {
        Entry e = queue.poll();
        if (e != null && e.msg() instanceof Buffer b) {
            bytes -= b.readableBytes();
            uncount(b.readableBytes());
        }
        return e;
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /**
     * Stops counting queued bytes toward the channel's watermarks (the handshake is done: what is still queued
     * waits behind a file being streamed, whose own ciphertext fills the channel's queue).
     */
    void stopCounting() {
        counting = false;
        uncount(countedBytes);
    }

    private void uncount(long n) {
        long u = Math.min(n, countedBytes);
        if (u > 0) {
            countedBytes -= u;
            channel.adjustPendingOutboundBytes(-u);
        }
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
        while ((e = poll()) != null) {
            ReferenceCounted.safeRelease(e.msg());
            if (e.promise() != null) {
                e.promise().completeExceptionally(cause);
            }
        }
        flushRequested = false;
    }
}
