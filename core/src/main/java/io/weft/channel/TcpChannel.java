package io.weft.channel;

import io.weft.internal.loop.LoopBoundFuture;
import io.weft.buffer.Buffer;
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
public final class TcpChannel extends ReadWriteChannel {

    private final SocketChannel socket;
    private ReceiveSizer sizer;
    private ScheduledTask connectTimeout;
    private SocketAddress requestedRemote;
    // Read from any thread (isActive(), isInputShutdown(), ...): published through volatile fields.
    private volatile boolean active;
    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;
    /** A half-close waiting for the queued writes to go out. */
    private final io.weft.pipeline.PendingShutdown pendingShutdown = new io.weft.pipeline.PendingShutdown();

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
        CompletableFuture<TcpChannel> promise = new LoopBoundFuture<>(loop);
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
     * Half-closes the connection through the pipeline ({@link io.weft.pipeline.Pipeline#shutdownOutput}): every
     * handler sees it after the writes made before it, so a TLS handler sends its {@code close_notify} first and a
     * handler holding writes back sends them first; then the channel sends FIN after everything queued has been
     * written. Reading goes on. Callable from any thread.
     *
     * @return a future completing once the output is shut down
     */
    public CompletableFuture<Void> shutdownOutput() {
        CompletableFuture<Void> promise = new LoopBoundFuture<>(loop());
        pipeline().shutdownOutput(promise);
        return promise;
    }

    @Override
    void doShutdownOutput(CompletableFuture<Void> promise) {
        if (outputShutdown) {
            if (promise != null) {
                promise.complete(null);
            }
            return;
        }
        boolean first = !pendingShutdown.isRequested();
        pendingShutdown.add(promise);
        if (!first) {
            return;
        }
        queue.markFlushed();
        if (queue.isEmpty()) {
            finishShutdownOutput();
        } else if (!hasInterest(SelectionKey.OP_WRITE)) {
            writeQueued();
        }
    }

    private void finishShutdownOutput() {
        CompletableFuture<Void> promise = pendingShutdown.take();
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

    @Override
    void finishConnect() {
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
        if (pendingShutdown.isRequested()) {
            pendingShutdown.fail(new ClosedChannelException());
        }
    }

    // ------------------------------------------------------------------ reading

    @Override
    int readOne() throws IOException {
        Buffer buffer = allocator.allocate(sizer.guess());
        int capacity;
        int n;
        try {
            capacity = buffer.writableBytes();
            n = socket.read(buffer.internalNioBuffer(buffer.writerIndex(), capacity));
            if (n > 0) {
                buffer.writerIndex(buffer.writerIndex() + n);
            }
        } catch (Throwable t) {
            buffer.release();
            throw t;
        }
        if (n <= 0) {
            buffer.release();
            return n < 0 ? READ_EOF : READ_NONE;
        }
        sizer.record(n, capacity);
        pipeline.fireChannelRead(buffer);
        return n < capacity ? READ_LAST : READ_MORE;
    }

    @Override
    void inputClosed() {
        if (allowHalfClosure && !inputShutdown) {
            inputShutdown = true;
            setInterest(SelectionKey.OP_READ, false);
            pipeline.fireUserEvent(ChannelInputShutdownEvent.INSTANCE);
            if (outputShutdown && isOpen()) {
                closeNow(null);
            }
        } else {
            closeNow(null);
        }
    }

    @Override
    void doRead() {
        if (!inputShutdown) {
            super.doRead();
        }
    }

    // ------------------------------------------------------------------ writing

    @Override
    long sizeOf(Object msg, CompletableFuture<Void> promise) {
        if (msg instanceof Buffer buffer) {
            return buffer.readableBytes();
        }
        if (msg instanceof FileRegion region) {
            return region.remaining();
        }
        rejectWrite(msg, promise, new UnsupportedMessageTypeException(msg, "Buffer or FileRegion"));
        return -1;
    }

    @Override
    boolean outputClosed() {
        return outputShutdown || pendingShutdown.isRequested();
    }

    @Override
    boolean writeHead() throws IOException {
        Object current = queue.current();
        if (current instanceof FileRegion region) {
            long written = region.transferTo(socket);
            queue.regionProgress(written);
            if (region.remaining() == 0) {
                queue.removeHead(null);
                return true;
            }
            return written > 0;
        }
        int count = queue.collectNioBuffers(maxBuffersPerWrite);
        if (count == 0) {
            // Only empty buffers at the front: drop them.
            queue.removeBytes(0);
            return true;
        }
        long written = count == 1 ? socket.write(queue.nioBuffers()[0]) : socket.write(queue.nioBuffers(), 0, count);
        queue.clearNioBuffers(count);
        long attempted = queue.nioBytes();
        if (written > 0) {
            queue.removeBytes(written);
        }
        // The socket took less than offered: it is full, so wait for OP_WRITE.
        return written >= attempted;
    }

    @Override
    void afterWrite() {
        if (queue.isEmpty() && pendingShutdown.isRequested()) {
            finishShutdownOutput();
        }
    }
}
