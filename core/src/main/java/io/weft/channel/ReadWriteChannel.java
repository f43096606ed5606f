package io.weft.channel;

import io.weft.loop.EventLoop;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.util.concurrent.CompletableFuture;

/**
 * The one implementation of readiness, reading batches, read requests, queued writes, flushing and watermarks that
 * TCP and UDP channels share; each transport supplies only how one message is read ({@link #readOne}), checked for
 * writing ({@link #sizeOf}) and sent ({@link #writeHead}). Everything here runs on the channel's loop.
 */
abstract class ReadWriteChannel extends Channel {

    /** {@link #readOne}: nothing was available. */
    static final int READ_NONE = 0;
    /** {@link #readOne}: a message was delivered and more may be waiting. */
    static final int READ_MORE = 1;
    /** {@link #readOne}: a message was delivered and the socket is drained for now. */
    static final int READ_LAST = 2;
    /** {@link #readOne}: the peer closed its output. */
    static final int READ_EOF = -1;

    final WriteQueue queue = new WriteQueue();
    private boolean flushing;
    /** A read() arrived since the current read batch started (matters only with auto-read off). */
    private boolean readRequested;

    ReadWriteChannel(EventLoop loop) {
        super(loop);
    }

    // ------------------------------------------------------------------ readiness

    @Override
    void handleReady(int readyOps) {
        if ((readyOps & SelectionKey.OP_CONNECT) != 0) {
            finishConnect();
            if (!isOpen()) {
                return;
            }
        }
        if ((readyOps & SelectionKey.OP_WRITE) != 0) {
            writeQueued();
            if (!isOpen()) {
                return;
            }
        }
        if ((readyOps & SelectionKey.OP_READ) != 0) {
            readBatch();
        }
    }

    /** Completes a pending connect; only TCP has one. */
    void finishConnect() {
    }

    // ------------------------------------------------------------------ reading

    /**
     * Reads at most one message and fires it through the pipeline.
     *
     * @return {@link #READ_NONE}, {@link #READ_MORE}, {@link #READ_LAST} or {@link #READ_EOF}
     */
    abstract int readOne() throws IOException;

    /** The peer closed its output ({@link #READ_EOF}). */
    void inputClosed() {
        closeNow(null);
    }

    /**
     * One batch of reads for one readiness event: at most {@link ChannelOption#MAX_READS_PER_EVENT} messages, then
     * read-complete. Any {@link Throwable} (socket error, allocation failure) fails this channel alone. With auto-read
     * off, read interest stays on only if a handler asked for more during the batch (in channel-read or
     * read-complete).
     */
    final void readBatch() {
        readRequested = false;
        int reads = 0;
        boolean eof = false;
        boolean autoReadAtStart = autoRead;
        Throwable failure = null;
        try {
            while (reads < maxReadsPerEvent && isOpen()) {
                int result = readOne();
                if (result <= READ_NONE) {
                    eof = result == READ_EOF;
                    break;
                }
                reads++;
                if (result == READ_LAST || (autoReadAtStart && !autoRead)) {
                    break; // drained, or a handler paused reading (traffic shaping, back-pressure): stop now
                }
            }
        } catch (Throwable t) {
            failure = t;
        }
        if (reads > 0) {
            pipeline.fireChannelReadComplete();
        }
        if (failure != null) {
            failAndClose(failure);
        } else if (eof) {
            if (isOpen()) {
                inputClosed();
            }
        } else if (!autoRead && isOpen() && !readRequested) {
            // One batch per read() request; a read() issued by a handler during this batch keeps interest on.
            setInterest(readOp(), false);
        }
    }

    @Override
    void doRead() {
        readRequested = true;
        super.doRead();
    }

    // ------------------------------------------------------------------ writing

    /**
     * Checks that this transport can send {@code msg}.
     *
     * @return its size in bytes for the watermarks, or {@code -1} after rejecting it with {@link #rejectWrite}
     */
    abstract long sizeOf(Object msg, CompletableFuture<Void> promise);

    /** Whether writes are refused although the channel is open (TCP: output shut down or shutting down). */
    boolean outputClosed() {
        return false;
    }

    /**
     * Sends (part of) the first flushed message, removing what was sent from the queue.
     *
     * @return {@code false} if the socket is full (wait for {@code OP_WRITE}), {@code true} to go on
     */
    abstract boolean writeHead() throws IOException;

    /** Runs after a flush round that left the channel open (TCP finishes a pending output shutdown here). */
    void afterWrite() {
    }

    @Override
    final void doWrite(Object msg, CompletableFuture<Void> promise) {
        if (!isOpen() || outputClosed()) {
            failClosedWrite(msg, promise);
            return;
        }
        long size = sizeOf(msg, promise);
        if (size < 0) {
            return;
        }
        queue.add(msg, size, promise);
        if (queue.pendingBytes() + handlerPendingBytes > highWaterMark) {
            setWritable(false);
        }
    }

    @Override
    final void doFlush() {
        if (!isOpen() || queue.isEmpty()) {
            return;
        }
        queue.markFlushed();
        if (!hasInterest(SelectionKey.OP_WRITE)) {
            writeQueued();
        }
    }

    /**
     * Writes flushed messages until the queue is drained, the socket is full, or {@link ChannelOption#WRITE_SPIN_COUNT}
     * is spent (then {@code OP_WRITE} brings it back after other channels had a turn). Any {@link Throwable} fails
     * this channel alone.
     */
    final void writeQueued() {
        if (flushing) {
            return;
        }
        flushing = true;
        try {
            for (int spin = 0; spin < writeSpinCount && isOpen() && queue.current() != null; spin++) {
                if (!writeHead()) {
                    break;
                }
            }
            if (isOpen()) {
                setInterest(SelectionKey.OP_WRITE, queue.current() != null);
            }
        } catch (Throwable t) {
            flushing = false;
            failAndClose(t);
            return;
        } finally {
            flushing = false;
        }
        if (!isOpen()) {
            return;
        }
        if (!writable && queue.pendingBytes() + handlerPendingBytes < lowWaterMark) {
            setWritable(true);
        }
        afterWrite();
    }

    @Override
    final void failPendingWrites(Throwable cause) {
        queue.failAll(cause);
    }

    @Override
    final void failPendingWritesOnClose() {
        if (!queue.isEmpty()) {
            // The exception (and its stack trace) only when a promise will carry it; buffers are released anyway.
            queue.failAll(queue.hasPromises() ? new ClosedChannelException() : null);
        }
    }

    /**
     * Bytes queued for writing and not yet written; for diagnostics and tests. Exact on the channel's loop; from
     * another thread a recent value (the count is kept by the loop without synchronization).
     */
    public final long pendingOutboundBytes() {
        return queue.pendingBytes();
    }

    @Override
    final long transportPendingBytes() {
        return queue.pendingBytes();
    }
}
