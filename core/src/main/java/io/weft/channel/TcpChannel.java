package io.weft.channel;

import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.loop.EventLoop;
import io.weft.loop.ScheduledTask;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A TCP connection: accepted by a {@link TcpServerChannel} or opened with {@link #connect}.
 *
 * <p>Reads are bounded per readiness event ({@link ChannelOption#MAX_READS_PER_EVENT}) into buffers whose size
 * adapts to the traffic. Writes are queued until flushed; a flush gathers up to
 * {@link ChannelOption#MAX_BUFFERS_PER_WRITE} buffers per system call and, if the socket is full, waits for
 * {@code OP_WRITE}. {@link FileRegion}s are sent with {@code transferTo}. All of it runs on the channel's loop;
 * see {@link Channel} for the thread rule.
 */
public final class TcpChannel extends Channel {

    private final SocketChannel socket;
    private final WriteQueue queue = new WriteQueue();
    private ReceiveSizer sizer;
    private ScheduledTask connectTimeout;
    private SocketAddress requestedRemote;
    private boolean active;
    private boolean inputShutdown;
    private boolean outputShutdown;
    private CompletableFuture<Void> shutdownOutputPromise;
    private boolean flushing;
    /** A read() arrived since the current read batch started (matters only with auto-read off). */
    private boolean readRequested;

    TcpChannel(EventLoop loop, SocketChannel socket) {
        super(loop);
        this.socket = socket;
    }

    /**
     * Opens a client connection to {@code remote} on a loop of {@code loop}'s choosing. {@code initializer} runs on
     * the loop before the connection attempt, so handlers see channel-active.
     *
     * @return a future completing with the connected channel, or failing with the connect error or a
     *     {@link ConnectTimeoutException}
     */
    public static CompletableFuture<TcpChannel> connect(EventLoop loop, SocketAddress remote,
            Map<ChannelOption<?>, Object> options, ChannelInitializer initializer) {
        CompletableFuture<TcpChannel> promise = new CompletableFuture<>();
        SocketChannel socket;
        try {
            socket = remote instanceof UnixDomainSocketAddress ? SocketChannel.open(StandardProtocolFamily.UNIX)
                    : SocketChannel.open();
        } catch (IOException | UnsupportedOperationException e) {
            promise.completeExceptionally(e);
            return promise;
        }
        TcpChannel channel = new TcpChannel(loop, socket);
        if (!channel.configure(options, promise)) {
            return promise;
        }
        channel.expectStart(promise);
        channel.requestedRemote = remote;
        channel.register(initializer);
        return promise;
    }

    /** Called by the server channel for an accepted socket. */
    static TcpChannel accepted(EventLoop loop, SocketChannel socket, Map<ChannelOption<?>, Object> options,
            ChannelInitializer initializer) {
        TcpChannel channel = new TcpChannel(loop, socket);
        try {
            socket.configureBlocking(false);
            channel.applyOptions(options);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        channel.active = true;
        channel.register(initializer);
        return channel;
    }

    @Override
    SelectableChannel javaChannel() {
        return socket;
    }

    @Override
    boolean wasActive() {
        return active;
    }

    /**
     * The local address: an {@link InetSocketAddress} for TCP, a {@link UnixDomainSocketAddress} for a Unix domain
     * socket (whose client side is usually unnamed, with an empty path); {@code null} if not bound or closed.
     */
    @Override
    public SocketAddress localAddress() {
        try {
            return socket.getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The peer's address: an {@link InetSocketAddress} for TCP, a {@link UnixDomainSocketAddress} for a Unix domain
     * socket; {@code null} if not connected or closed.
     */
    @Override
    public SocketAddress remoteAddress() {
        try {
            return socket.getRemoteAddress();
        } catch (IOException e) {
            return null;
        }
    }

    /** Whether the peer has shut down its output (only seen with {@link ChannelOption#ALLOW_HALF_CLOSURE}). */
    public boolean isInputShutdown() {
        return inputShutdown;
    }

    /** Whether {@link #shutdownOutput()} has completed. */
    public boolean isOutputShutdown() {
        return outputShutdown;
    }

    /**
     * Half-closes the connection: sends FIN after everything already queued has been written; reading goes on.
     *
     * @return a future completing once the output is shut down
     */
    public CompletableFuture<Void> shutdownOutput() {
        CompletableFuture<Void> promise = new CompletableFuture<>();
        if (loop.inLoop()) {
            requestShutdownOutput(promise);
        } else {
            loop.execute(() -> requestShutdownOutput(promise));
        }
        return promise;
    }

    private void requestShutdownOutput(CompletableFuture<Void> promise) {
        if (!isOpen()) {
            promise.completeExceptionally(new ClosedChannelException());
            return;
        }
        if (outputShutdown) {
            promise.complete(null);
            return;
        }
        if (shutdownOutputPromise != null) {
            shutdownOutputPromise.whenComplete((v, t) -> promise.complete(null));
            return;
        }
        shutdownOutputPromise = promise;
        queue.markFlushed();
        if (queue.isEmpty()) {
            finishShutdownOutput();
        } else if (!hasInterest(SelectionKey.OP_WRITE)) {
            writeQueued();
        }
    }

    private void finishShutdownOutput() {
        CompletableFuture<Void> promise = shutdownOutputPromise;
        shutdownOutputPromise = null;
        try {
            socket.shutdownOutput();
            outputShutdown = true;
            if (promise != null) {
                promise.complete(null);
            }
            if (inputShutdown) {
                closeNow(null);
            }
        } catch (IOException e) {
            if (promise != null) {
                promise.completeExceptionally(e);
            }
            failAndClose(e);
        }
    }

    // ------------------------------------------------------------------ registration and connect

    @Override
    void afterRegistration() {
        sizer = new ReceiveSizer(option(ChannelOption.RECEIVE_BUFFER_MIN), option(ChannelOption.RECEIVE_BUFFER_INITIAL),
                option(ChannelOption.RECEIVE_BUFFER_MAX));
        if (active) {
            becomeActive();
            return;
        }
        try {
            if (socket.connect(requestedRemote)) {
                finishConnect();
            } else {
                setInterest(SelectionKey.OP_CONNECT, true);
                int timeoutMillis = option(ChannelOption.CONNECT_TIMEOUT_MILLIS);
                SocketAddress remote = requestedRemote;
                connectTimeout = loop.schedule(() -> {
                    CompletableFuture<TcpChannel> promise = takeStartPromise();
                    if (promise != null) {
                        promise.completeExceptionally(new ConnectTimeoutException(
                                "connection to " + remote + " timed out after " + timeoutMillis + " ms"));
                        closeNow(null);
                    }
                }, timeoutMillis, TimeUnit.MILLISECONDS);
            }
        } catch (IOException | RuntimeException e) {
            failConnect(e);
        }
    }

    private void finishConnect() {
        try {
            if (!socket.finishConnect()) {
                return;
            }
        } catch (IOException e) {
            failConnect(e);
            return;
        }
        if (connectTimeout != null) {
            connectTimeout.cancel();
            connectTimeout = null;
        }
        setInterest(SelectionKey.OP_CONNECT, false);
        active = true;
        CompletableFuture<TcpChannel> promise = takeStartPromise();
        becomeActive();
        if (promise != null) {
            promise.complete(this);
        }
    }

    private void failConnect(Throwable cause) {
        CompletableFuture<TcpChannel> promise = takeStartPromise();
        IOException wrapped = cause instanceof java.net.ConnectException ce ? ce
                : (IOException) new java.net.ConnectException("connection to " + requestedRemote + " failed: "
                        + cause.getMessage()).initCause(cause);
        closeNow(null);
        if (promise != null) {
            promise.completeExceptionally(wrapped);
        }
    }

    private void becomeActive() {
        if (autoRead) {
            setInterest(SelectionKey.OP_READ, true);
        }
        pipeline.fireChannelActive();
    }

    @Override
    void beforeClose() {
        if (connectTimeout != null) {
            connectTimeout.cancel();
            connectTimeout = null;
        }
        CompletableFuture<Void> shutdown = shutdownOutputPromise;
        shutdownOutputPromise = null;
        if (shutdown != null) {
            shutdown.completeExceptionally(new ClosedChannelException());
        }
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
            readNow();
        }
    }

    private void readNow() {
        Buffer buffer = null;
        boolean eof = false;
        int reads = 0;
        readRequested = false;
        boolean autoReadAtStart = autoRead;
        try {
            while (reads < maxReadsPerEvent && isOpen()) {
                int guess = sizer.guess();
                buffer = allocator.allocate(guess);
                int capacity = buffer.writableBytes();
                int n = socket.read(buffer.internalNioBuffer(buffer.writerIndex(), capacity));
                if (n <= 0) {
                    buffer.release();
                    buffer = null;
                    eof = n < 0;
                    break;
                }
                buffer.writerIndex(buffer.writerIndex() + n);
                sizer.record(n, capacity);
                reads++;
                Buffer message = buffer;
                buffer = null;
                pipeline.fireChannelRead(message);
                if (n < capacity || (autoReadAtStart && !autoRead)) {
                    break; // drained, or a handler paused reading (traffic shaping, back-pressure): stop now
                }
            }
        } catch (IOException | io.weft.buffer.OutOfDirectMemoryException e) {
            // Out of direct memory fails this connection only, like an I/O error.
            if (buffer != null) {
                buffer.release();
            }
            if (reads > 0) {
                pipeline.fireChannelReadComplete();
            }
            failAndClose(e);
            return;
        }
        if (reads > 0) {
            pipeline.fireChannelReadComplete();
        }
        if (eof) {
            inputClosed();
        } else if (!autoRead && isOpen() && !readRequested) {
            // One batch per read() request; a read() issued by a handler during this batch keeps interest on.
            setInterest(SelectionKey.OP_READ, false);
        }
    }

    private void inputClosed() {
        if (!isOpen()) {
            return;
        }
        if (allowHalfClosure && !inputShutdown) {
            inputShutdown = true;
            setInterest(SelectionKey.OP_READ, false);
            pipeline.fireUserEvent(ChannelInputShutdownEvent.INSTANCE);
            if (outputShutdown) {
                closeNow(null);
            }
        } else {
            closeNow(null);
        }
    }

    @Override
    void doRead() {
        if (!inputShutdown) {
            readRequested = true;
            super.doRead();
        }
    }

    // ------------------------------------------------------------------ writing

    @Override
    void doWrite(Object msg, CompletableFuture<Void> promise) {
        long size;
        if (msg instanceof Buffer buffer) {
            size = buffer.readableBytes();
        } else if (msg instanceof FileRegion region) {
            size = region.remaining();
        } else {
            ReferenceCounted.safeRelease(msg);
            UnsupportedMessageTypeException error = new UnsupportedMessageTypeException(msg, "Buffer or FileRegion");
            if (promise != null) {
                promise.completeExceptionally(error);
            } else {
                pipeline.fireExceptionCaught(error);
            }
            return;
        }
        if (!isOpen() || outputShutdown || shutdownOutputPromise != null) {
            ReferenceCounted.safeRelease(msg);
            if (promise != null) {
                promise.completeExceptionally(new ClosedChannelException());
            }
            return;
        }
        queue.add(msg, size, promise);
        if (queue.pendingBytes() > highWaterMark) {
            setWritable(false);
        }
    }

    @Override
    void doFlush() {
        if (!isOpen() || queue.isEmpty()) {
            return;
        }
        queue.markFlushed();
        if (!hasInterest(SelectionKey.OP_WRITE)) {
            writeQueued();
        }
    }

    /** Writes flushed messages until the queue is drained, the socket is full, or the spin budget is spent. */
    private void writeQueued() {
        if (flushing) {
            return;
        }
        flushing = true;
        try {
            for (int spin = 0; spin < writeSpinCount; spin++) {
                Object current = queue.current();
                if (current == null) {
                    setInterest(SelectionKey.OP_WRITE, false);
                    break;
                }
                long written;
                if (current instanceof FileRegion region) {
                    written = region.transferTo(socket);
                    queue.regionProgress(written);
                    if (region.remaining() == 0) {
                        queue.removeHead(null);
                        continue;
                    }
                } else {
                    int count = queue.collectNioBuffers(maxBuffersPerWrite);
                    if (count == 0) {
                        queue.removeBytes(0);
                        continue;
                    }
                    written = count == 1 ? socket.write(queue.nioBuffers()[0])
                            : socket.write(queue.nioBuffers(), 0, count);
                    queue.clearNioBuffers(count);
                    if (written > 0) {
                        long attempted = queue.nioBytes();
                        queue.removeBytes(written);
                        if (written < attempted) {
                            // The socket took less than offered: it is full, so wait for OP_WRITE.
                            setInterest(SelectionKey.OP_WRITE, true);
                            break;
                        }
                    }
                }
                if (written == 0) {
                    setInterest(SelectionKey.OP_WRITE, true);
                    break;
                }
            }
            if (queue.current() != null) {
                // Spin budget spent with the socket still writable: come back after other channels had a turn.
                setInterest(SelectionKey.OP_WRITE, true);
            }
        } catch (IOException e) {
            flushing = false;
            failAndClose(e);
            return;
        } finally {
            flushing = false;
        }
        if (!writable && queue.pendingBytes() < lowWaterMark) {
            setWritable(true);
        }
        if (queue.isEmpty() && shutdownOutputPromise != null && isOpen()) {
            finishShutdownOutput();
        }
    }

    @Override
    void failPendingWrites(Throwable cause) {
        queue.failAll(cause);
    }

    /** Bytes queued for writing and not yet written. Loop thread only; for diagnostics and tests. */
    public long pendingOutboundBytes() {
        return queue.pendingBytes();
    }
}
