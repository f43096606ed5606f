package io.weft.channel;

import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * The outbound queue of one TCP channel: a growable ring of messages ({@link Buffer}s and {@link FileRegion}s) with
 * their promises. Entries before the flush mark are eligible for writing. Loop-confined.
 */
final class WriteQueue {

    private Object[] messages = new Object[16];
    @SuppressWarnings("unchecked")
    private CompletableFuture<Void>[] promises = new CompletableFuture[16];
    private int head;
    private int size;
    private int flushed;
    private long pendingBytes;
    /** Reused array handed to gathering writes; grows on demand up to the channel's MAX_BUFFERS_PER_WRITE. */
    private ByteBuffer[] nioBuffers = new ByteBuffer[16];
    private long nioBytes;

    int size() {
        return size;
    }

    int flushedCount() {
        return flushed;
    }

    boolean isEmpty() {
        return size == 0;
    }

    long pendingBytes() {
        return pendingBytes;
    }

    void add(Object msg, long bytes, CompletableFuture<Void> promise) {
        if (size == messages.length) {
            grow();
        }
        int index = (head + size) & (messages.length - 1);
        messages[index] = msg;
        promises[index] = promise;
        size++;
        pendingBytes += bytes;
    }

    @SuppressWarnings("unchecked")
    private void grow() {
        int capacity = messages.length;
        Object[] newMessages = new Object[capacity << 1];
        CompletableFuture<Void>[] newPromises = new CompletableFuture[capacity << 1];
        for (int i = 0; i < size; i++) {
            int from = (head + i) & (capacity - 1);
            newMessages[i] = messages[from];
            newPromises[i] = promises[from];
        }
        messages = newMessages;
        promises = newPromises;
        head = 0;
    }

    void markFlushed() {
        flushed = size;
    }

    /** The first flushed message, or {@code null}. */
    Object current() {
        return flushed == 0 ? null : messages[head];
    }

    /**
     * Collects the flushed buffers at the front of the queue (up to {@code max}, stopping at a non-buffer) into
     * the reused array.
     *
     * @return how many were collected; {@link #nioBytes()} tells how many bytes they hold
     */
    int collectNioBuffers(int max) {
        int count = 0;
        long bytes = 0;
        int mask = messages.length - 1;
        for (int i = 0; i < flushed && count < max; i++) {
            Object msg = messages[(head + i) & mask];
            if (!(msg instanceof Buffer buffer)) {
                break;
            }
            int readable = buffer.readableBytes();
            if (readable == 0) {
                continue;
            }
            ByteBuffer view = buffer.internalNioBuffer(buffer.readerIndex(), readable);
            // The same buffer object queued twice would share one view; write it in the next round. Each queue
            // entry owns a reference, so such a buffer has refCnt >= 2: the quadratic scan is skipped otherwise.
            if (buffer.refCnt() > 1 && appearsIn(view, count)) {
                break;
            }
            if (count == nioBuffers.length) {
                nioBuffers = Arrays.copyOf(nioBuffers, Math.min(max, count << 1));
            }
            nioBuffers[count++] = view;
            bytes += readable;
        }
        nioBytes = bytes;
        return count;
    }

    private boolean appearsIn(ByteBuffer view, int count) {
        for (int i = 0; i < count; i++) {
            if (nioBuffers[i] == view) {
                return true;
            }
        }
        return false;
    }

    ByteBuffer[] nioBuffers() {
        return nioBuffers;
    }

    long nioBytes() {
        return nioBytes;
    }

    void clearNioBuffers(int count) {
        for (int i = 0; i < count; i++) {
            nioBuffers[i] = null;
        }
    }

    /** Accounts for {@code written} bytes at the front of the queue: removes whole buffers, advances a partial one. */
    void removeBytes(long written) {
        pendingBytes -= written;
        while (written > 0 || (flushed > 0 && messages[head] instanceof Buffer b && !b.isReadable())) {
            Object msg = messages[head];
            if (!(msg instanceof Buffer buffer)) {
                break;
            }
            int readable = buffer.readableBytes();
            if (written >= readable) {
                written -= readable;
                removeHead(null);
            } else {
                buffer.skipBytes((int) written);
                written = 0;
            }
        }
    }

    /** Removes the front entry after a file region finished (bytes already accounted by {@link #regionProgress}). */
    void regionProgress(long written) {
        pendingBytes -= written;
    }

    /** Removes the front message after it was sent whole as {@code bytes} bytes (a datagram). */
    void removeSent(long bytes) {
        pendingBytes -= bytes;
        removeHead(null);
    }

    /**
     * Removes the front message that could not be sent, failing its promise with {@code cause}.
     *
     * @return whether the message had a promise that now carries the failure
     */
    boolean removeFailed(long bytes, Throwable cause) {
        boolean notified = promises[head] != null;
        pendingBytes -= bytes;
        removeHead(cause);
        return notified;
    }

    /** Removes the front message, releasing it and completing its promise ({@code cause == null} means success). */
    void removeHead(Throwable cause) {
        int index = head;
        Object msg = messages[index];
        CompletableFuture<Void> promise = promises[index];
        messages[index] = null;
        promises[index] = null;
        head = (head + 1) & (messages.length - 1);
        size--;
        flushed--;
        ReferenceCounted.safeRelease(msg);
        if (promise != null) {
            if (cause == null) {
                promise.complete(null);
            } else {
                promise.completeExceptionally(cause);
            }
        }
    }

    /** Whether some queued message has a promise. */
    boolean hasPromises() {
        for (int i = 0, mask = messages.length - 1; i < size; i++) {
            if (promises[(head + i) & mask] != null) {
                return true;
            }
        }
        return false;
    }

    /** Releases everything and fails every promise ({@code cause} may be null only when {@link #hasPromises} is false). */
    void failAll(Throwable cause) {
        flushed = size;
        while (size > 0) {
            removeHead(cause);
        }
        flushed = 0;
        pendingBytes = 0;
    }
}
