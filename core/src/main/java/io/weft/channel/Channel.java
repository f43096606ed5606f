package io.weft.channel;

import io.weft.buffer.BufferAllocator;
import io.weft.buffer.ReferenceCounted;
import io.weft.internal.access.SharedSecrets;
import io.weft.internal.log.ThrottledLog;
import io.weft.internal.loop.IoHandler;
import io.weft.internal.loop.LoopAccess;
import io.weft.internal.loop.LoopBoundFuture;
import io.weft.internal.loop.UrgentTask;
import io.weft.internal.pipeline.PipelineAccess;
import io.weft.internal.pipeline.Transport;
import io.weft.loop.EventLoop;
import io.weft.pipeline.Pipeline;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection (or a listening or datagram socket) and its {@link Pipeline}.
 *
 * <p><b>Thread rule:</b> a channel belongs to one {@link EventLoop} for its whole life. All I/O and all handler
 * callbacks happen on that loop's thread. The public methods here may be called from any thread: called outside
 * the loop, they hand their work to it and return at once.
 *
 * <p>Writes are queued by {@link #write} and sent by {@link #flush}. Queued bytes above
 * {@link ChannelOption#WRITE_BUFFER_HIGH_WATER_MARK} make {@link #isWritable()} {@code false} until they drain below
 * {@link ChannelOption#WRITE_BUFFER_LOW_WATER_MARK}; each flip fires writability-changed through the pipeline.
 *
 * <p><b>No re-entrant events.</b> A handler's own {@code write}, {@code flush} or {@code close} never calls back into
 * the pipeline before it returns: a writability change, an exception from the write path and channel-inactive
 * caused by such an operation are delivered from the loop's task queue, after the current callback has unwound.
 * ({@link #isWritable()} itself changes at once, so a producer that writes while it is writable stops in time.)
 * Flips that happen before a deferred writability event runs are reported by that one event (check
 * {@link #isWritable()} in the handler).
 *
 * <p><b>Failures stay with their channel.</b> Any {@link Throwable} from the socket, the allocator or the channel's
 * own code while handling readiness is fired as exception-caught and closes this channel; its buffers are released
 * and the loop and other channels go on. A write after close fails its promise with a
 * {@link ClosedChannelException} and releases the message (logged at DEBUG when there is no promise).
 */
public abstract class Channel {

    private static final Logger log = LoggerFactory.getLogger(Channel.class);
    private static final ThrottledLog initializerFaults = new ThrottledLog(log);
    private static final AtomicLong IDS = new AtomicLong();
    /** Keys to the loop's registration and the pipeline's package-private members; constants, so calls inline. */
    private static final LoopAccess LOOPS = SharedSecrets.loopAccess();
    private static final PipelineAccess PIPELINES = SharedSecrets.pipelineAccess();

    private final long id = IDS.incrementAndGet();
    final EventLoop loop;
    final Pipeline pipeline;
    final Map<ChannelOption<?>, Object> options = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> closeFuture;
    final Io ioHandler = new Io();

    // Hot settings, confined to the loop after registration (autoRead is also read by handlers via isAutoRead()).
    BufferAllocator allocator = ChannelOption.ALLOCATOR.defaultValue();
    volatile boolean autoRead = true;
    int maxReadsPerEvent = ChannelOption.MAX_READS_PER_EVENT.defaultValue();
    int maxBuffersPerWrite = ChannelOption.MAX_BUFFERS_PER_WRITE.defaultValue();
    int writeSpinCount = ChannelOption.WRITE_SPIN_COUNT.defaultValue();
    int highWaterMark = ChannelOption.WRITE_BUFFER_HIGH_WATER_MARK.defaultValue();
    int lowWaterMark = ChannelOption.WRITE_BUFFER_LOW_WATER_MARK.defaultValue();
    boolean allowHalfClosure;

    SelectionKey key;
    /** The connect or bind future handed out by a factory; completed (and cleared) once, by whoever ends it. */
    private CompletableFuture<?> startPromise;
    private boolean registerCalled;
    private ChannelInitializer initializer;
    private volatile boolean open = true;
    volatile boolean writable = true;
    /** Outbound bytes held by handlers (not yet in the write queue) that count toward the watermarks. Loop only. */
    long handlerPendingBytes;
    /** A writability event waits in the task queue; flips until it runs are reported by that one event. */
    private boolean writabilityTaskPending;
    private final Runnable writabilityTask = this::deliverWritability;

    Channel(EventLoop loop) {
        this.loop = loop;
        this.closeFuture = new LoopBoundFuture<>(loop);
        this.pipeline = PIPELINES.newPipeline(this, new ChannelTransport());
    }

    /** A process-unique number, for logs. */
    public long id() {
        return id;
    }

    /** The loop this channel belongs to. */
    public EventLoop loop() {
        return loop;
    }

    /** This channel's pipeline. */
    public Pipeline pipeline() {
        return pipeline;
    }

    /** Where this channel's buffers come from ({@link ChannelOption#ALLOCATOR}). */
    public BufferAllocator allocator() {
        return allocator;
    }

    /** Whether the channel has not been closed yet. */
    public boolean isOpen() {
        return open;
    }

    /** Whether the channel is open and connected (or bound, for listening and datagram sockets). */
    public final boolean isActive() {
        return wasActive() && isOpen();
    }

    /** The local address, or {@code null} if not bound. */
    public abstract SocketAddress localAddress();

    /** The remote address, or {@code null} if not connected. */
    public abstract SocketAddress remoteAddress();

    /** Whether queued outbound bytes are below the high water mark; see the class comment. */
    public boolean isWritable() {
        return writable && open;
    }

    /**
     * Whether {@link ChannelOption#AUTO_READ} is on. With it off, a handler (or a decoder that needs more bytes)
     * calls {@link #read()} or {@link io.weft.pipeline.HandlerContext#read()} to get the next batch. Safe from any
     * thread.
     */
    public boolean isAutoRead() {
        return autoRead;
    }

    /** Completes when the channel has closed (never exceptionally). */
    public CompletableFuture<Void> closeFuture() {
        return closeFuture;
    }

    /** A new promise to pass to {@link #write(Object, CompletableFuture)} and friends. */
    public CompletableFuture<Void> newPromise() {
        return new LoopBoundFuture<>(loop);
    }

    /**
     * Queues {@code msg} through the pipeline; the pipeline owns it now. Nothing is allocated to report the
     * outcome: to learn it, pass a promise to {@link #write(Object, CompletableFuture)}.
     */
    public void write(Object msg) {
        pipeline.write(msg, null);
    }

    /**
     * Queues {@code msg}; {@code promise} completes when the message has been written to the socket, or fails
     * with the cause (for example a {@link java.nio.channels.ClosedChannelException} if the channel closed first,
     * or the encoder's exception). A {@code null} promise asks for no notification.
     *
     * <p>Listeners added with {@code thenRun}, {@code whenComplete} and the like run on this channel's loop thread
     * when the write completes there; keep them short and non-blocking, or use the {@code *Async} variants.
     *
     * @return {@code promise}, for chaining: {@code ch.write(msg, ch.newPromise()).whenComplete(...)}
     */
    public CompletableFuture<Void> write(Object msg, CompletableFuture<Void> promise) {
        pipeline.write(msg, promise);
        return promise;
    }

    /** Writes out everything queued. */
    public void flush() {
        pipeline.flush();
    }

    /** {@link #write(Object)} then {@link #flush()}; allocates nothing to report the outcome. */
    public void writeAndFlush(Object msg) {
        pipeline.writeAndFlush(msg, null);
    }

    /**
     * {@link #write(Object, CompletableFuture)} then {@link #flush()}.
     *
     * @return {@code promise}, for chaining: {@code ch.writeAndFlush(msg, ch.newPromise()).thenRun(...)}
     */
    public CompletableFuture<Void> writeAndFlush(Object msg, CompletableFuture<Void> promise) {
        pipeline.writeAndFlush(msg, promise);
        return promise;
    }

    /** Requests a batch of reads; needed only when {@link ChannelOption#AUTO_READ} is off. */
    public void read() {
        pipeline.read();
    }

    /** Closes the channel through the pipeline; the returned future completes once it is closed. */
    public CompletableFuture<Void> close() {
        CompletableFuture<Void> promise = new LoopBoundFuture<>(loop);
        pipeline.close(promise);
        return promise;
    }

    /** The value of {@code option}: the one set, or the option's default. */
    public <T> T option(ChannelOption<T> option) {
        Object value = options.get(option);
        if (value == null && option.socketOption() != null && javaChannel() instanceof NetworkChannel nc
                && nc.isOpen() && nc.supportedOptions().contains(option.socketOption())) {
            try {
                return nc.getOption(option.socketOption());
            } catch (IOException e) {
                return option.defaultValue();
            }
        }
        return value == null ? option.defaultValue() : option.type().cast(value);
    }

    /**
     * Changes {@code option}. Socket options are applied to the socket at once; others take effect on the loop.
     *
     * @throws IllegalArgumentException if the socket does not support the option
     */
    public <T> Channel setOption(ChannelOption<T> option, T value) {
        T checked = option.cast(value);
        // Validate before anything is stored, so that a refused value leaves the option as it was.
        validateOption(option, checked);
        if (option.socketOption() != null) {
            applySocketOption(option.socketOption(), checked);
            options.put(option, checked);
            return this;
        }
        options.put(option, checked);
        if (loop.inLoop()) {
            applyWeftOption(option, checked);
        } else {
            loop.execute(() -> applyWeftOption(option, checked));
        }
        return this;
    }

    /**
     * Puts the socket into non-blocking mode and applies {@code settings}; on failure closes the socket and fails
     * {@code promise}. The channel factories call it before {@link #register}.
     *
     * @return whether the channel is ready to register
     */
    final boolean configure(Map<ChannelOption<?>, Object> settings, CompletableFuture<?> promise) {
        try {
            javaChannel().configureBlocking(false);
            applyOptions(settings);
            return true;
        } catch (IOException | RuntimeException e) {
            try {
                javaChannel().close();
            } catch (IOException ignored) {
                // Already failing: the configuration error is the one worth reporting.
            }
            promise.completeExceptionally(e);
            return false;
        }
    }

    /** Applies every option of {@code settings} before registration. */
    void applyOptions(Map<ChannelOption<?>, Object> settings) {
        for (Map.Entry<ChannelOption<?>, Object> entry : settings.entrySet()) {
            applyOne(entry.getKey(), entry.getValue());
        }
        // Weft's defaults for socket options (TCP_NODELAY) apply unless set explicitly.
        if (!settings.containsKey(ChannelOption.TCP_NODELAY)) {
            SelectableChannel ch = javaChannel();
            if (ch instanceof NetworkChannel nc && nc.supportedOptions().contains(ChannelOption.TCP_NODELAY.socketOption())
                    && !(this instanceof TcpServerChannel)) {
                applySocketOption(ChannelOption.TCP_NODELAY.socketOption(), ChannelOption.TCP_NODELAY.defaultValue());
            }
        }
    }

    private <T> void applyOne(ChannelOption<T> option, Object value) {
        T checked = option.cast(value);
        validateOption(option, checked);
        options.put(option, checked);
        if (option.socketOption() != null) {
            if (option != ChannelOption.SO_BACKLOG) {
                applySocketOption(option.socketOption(), checked);
            }
        } else {
            applyWeftOption(option, checked);
        }
    }

    private <T> void applySocketOption(SocketOption<T> option, T value) {
        if (!(javaChannel() instanceof NetworkChannel nc) || !nc.supportedOptions().contains(option)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " does not support " + option.name());
        }
        try {
            nc.setOption(option, value);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot set " + option.name() + " to " + value + ": " + e, e);
        }
    }

    void applyWeftOption(ChannelOption<?> option, Object value) {
        if (option == ChannelOption.ALLOCATOR) {
            allocator = (BufferAllocator) value;
        } else if (option == ChannelOption.AUTO_READ) {
            boolean on = (Boolean) value;
            boolean changed = on != autoRead;
            autoRead = on;
            if (changed && key != null) {
                setInterest(readOp(), on);
            }
        } else if (option == ChannelOption.MAX_READS_PER_EVENT) {
            maxReadsPerEvent = positive(option, (Integer) value);
        } else if (option == ChannelOption.MAX_BUFFERS_PER_WRITE) {
            maxBuffersPerWrite = positive(option, (Integer) value);
        } else if (option == ChannelOption.WRITE_SPIN_COUNT) {
            writeSpinCount = positive(option, (Integer) value);
        } else if (option == ChannelOption.WRITE_BUFFER_HIGH_WATER_MARK) {
            highWaterMark = positive(option, (Integer) value);
        } else if (option == ChannelOption.WRITE_BUFFER_LOW_WATER_MARK) {
            lowWaterMark = positive(option, (Integer) value);
        } else if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
            allowHalfClosure = (Boolean) value;
        } else {
            optionChanged(option, value);
        }
        if (lowWaterMark > highWaterMark) {
            lowWaterMark = highWaterMark;
        }
    }

    /** Hook for subclasses with options of their own. */
    void optionChanged(ChannelOption<?> option, Object value) {
    }

    /**
     * Throws {@link IllegalArgumentException} if {@code value} is not acceptable for {@code option}; called before
     * the value is stored or applied. Subclasses with options of their own extend it.
     */
    void validateOption(ChannelOption<?> option, Object value) {
        if (option == ChannelOption.MAX_READS_PER_EVENT || option == ChannelOption.MAX_BUFFERS_PER_WRITE
                || option == ChannelOption.WRITE_SPIN_COUNT || option == ChannelOption.WRITE_BUFFER_HIGH_WATER_MARK
                || option == ChannelOption.WRITE_BUFFER_LOW_WATER_MARK) {
            positive(option, (Integer) value);
        }
    }

    private static int positive(ChannelOption<?> option, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(option + " must be positive, was " + value);
        }
        return value;
    }

    // ------------------------------------------------------------------ internals for subclasses

    abstract SelectableChannel javaChannel();

    /** The interest bit that means "read" for this kind of channel. */
    int readOp() {
        return SelectionKey.OP_READ;
    }

    /** Registers with the loop; {@code initializer} runs on the loop, then {@link #afterRegistration()}. */
    final void register(ChannelInitializer init) {
        this.initializer = init;
        this.registerCalled = true;
        LOOPS.register(loop, javaChannel(), 0, ioHandler);
    }

    /** Runs on the loop once the channel is registered and initialized. */
    abstract void afterRegistration();

    abstract void handleReady(int readyOps);

    abstract void doWrite(Object msg, CompletableFuture<Void> promise);

    abstract void doFlush();

    void doRead() {
        if (key != null && key.isValid()) {
            setInterest(readOp(), true);
        }
    }

    /** Fails and releases whatever is still queued for writing. */
    abstract void failPendingWrites(Throwable cause);

    /** The head's half-close, on an open channel; this kind of channel has none unless it overrides this. */
    void doShutdownOutput(CompletableFuture<Void> promise) {
        if (promise != null) {
            promise.completeExceptionally(new UnsupportedOperationException(
                    getClass().getSimpleName() + " has no half-close (shutdownOutput)"));
        }
    }

    /** {@link #failPendingWrites} with a {@link ClosedChannelException}; transports build it only when needed. */
    void failPendingWritesOnClose() {
        failPendingWrites(new ClosedChannelException());
    }

    /** Whether the channel became connected (or bound); it then fires channel-inactive when it closes. */
    abstract boolean wasActive();

    /** The socket's bound address, or {@code null} if it is not bound or already closed. */
    final InetSocketAddress boundAddress() {
        try {
            return (InetSocketAddress) ((NetworkChannel) javaChannel()).getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    final void setInterest(int op, boolean on) {
        SelectionKey k = key;
        if (k == null || !k.isValid()) {
            return;
        }
        int ops = k.interestOps();
        int updated = on ? ops | op : ops & ~op;
        if (updated != ops) {
            k.interestOps(updated);
        }
    }

    final boolean hasInterest(int op) {
        SelectionKey k = key;
        return k != null && k.isValid() && (k.interestOps() & op) != 0;
    }

    /**
     * Closes now, on the loop thread. Idempotent. The socket is closed and pending writes fail at once; when a
     * handler callback is running (a handler's own close, or a write or flush that failed), channel-inactive, the
     * removal of the handlers and the completion of the close future follow from the task queue, after that
     * callback has returned.
     */
    final void closeNow(CompletableFuture<Void> promise) {
        assertInLoop("close");
        if (!open) {
            if (promise != null) {
                closeFuture.whenComplete((v, t) -> promise.complete(null));
            }
            return;
        }
        open = false;
        boolean active = wasActive();
        try {
            beforeClose();
        } catch (Throwable t) {
            initializerFaults.warn("{}: cleaning up before close failed", this, t);
        }
        // Exceptions (and their stack traces) only for what is waiting: most closes have nothing to fail.
        if (startPromise != null) {
            failStart(new ClosedChannelException());
        }
        closeSocket();
        if (registerCalled && key != null) {
            LOOPS.deregister(loop, key);
            key = null;
        }
        failPendingWritesOnClose();
        if (mustDefer()) {
            runLater(() -> finishClose(active, promise), true);
        } else {
            finishClose(active, promise);
        }
    }

    private void finishClose(boolean active, CompletableFuture<Void> promise) {
        try {
            if (active) {
                pipeline.fireChannelInactive();
            }
            pipeline.removeAll();
        } finally {
            closeFuture.complete(null);
            if (promise != null) {
                promise.complete(null);
            }
        }
    }

    /**
     * Runs {@code task} on the loop after the current callback; if the loop no longer takes tasks, runs it now when
     * {@code evenIfRejected} (cleanup that must happen) or drops it.
     */
    final void runLater(Runnable task, boolean evenIfRejected) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            if (evenIfRejected) {
                task.run();
            }
        }
    }

    /**
     * Throws {@link IllegalStateException} unless called on this channel's loop: a cheap guard (one thread
     * comparison) on the methods that must never run anywhere else.
     */
    final void assertInLoop(String operation) {
        if (!loop.inLoop()) {
            throw new IllegalStateException(operation + " on channel #" + id + " must run on its event loop ("
                    + loop + "), not on thread " + Thread.currentThread().getName());
        }
    }

    /**
     * Whether inbound events caused now must wait for the current callback to unwind: a handler callback of this
     * channel's pipeline is running (so this is, directly or not, a handler's own write, flush or close).
     */
    final boolean mustDefer() {
        return PIPELINES.inHandlerCallback(pipeline);
    }

    /**
     * Fires {@code cause} through the pipeline: now, or after the current callback when a handler callback is
     * running (a handler's own write or flush raised it).
     */
    final void fireExceptionCaught(Throwable cause) {
        if (mustDefer()) {
            runLater(() -> pipeline.fireExceptionCaught(cause), false);
        } else {
            pipeline.fireExceptionCaught(cause);
        }
    }

    /** Releases a message written to a closed channel and fails its promise (or logs at DEBUG without one). */
    final void failClosedWrite(Object msg, CompletableFuture<Void> promise) {
        ReferenceCounted.safeRelease(msg);
        if (promise != null) {
            promise.completeExceptionally(new ClosedChannelException());
        } else if (log.isDebugEnabled()) {
            log.debug("{}: dropped a {} written after close", this,
                    msg == null ? "null" : msg.getClass().getSimpleName());
        }
    }

    /** Releases a message the transport cannot send and reports {@code error} to its promise or the pipeline. */
    final void rejectWrite(Object msg, CompletableFuture<Void> promise, RuntimeException error) {
        ReferenceCounted.safeRelease(msg);
        if (promise != null) {
            promise.completeExceptionally(error);
        } else {
            fireExceptionCaught(error);
        }
    }

    /** Closes the socket; a channel without one (an {@link EmbeddedChannel}) overrides it. */
    void closeSocket() {
        try {
            javaChannel().close();
        } catch (IOException e) {
            log.debug("{}: closing the socket failed: {}", this, e.toString());
        }
    }

    /** Hook: an inbound message reached the pipeline's tail unconsumed; {@code true} takes it. */
    boolean unhandledInbound(Object msg) {
        return false;
    }

    /** Hook: an exception reached the pipeline's tail unhandled; {@code true} takes it. */
    boolean unhandledException(Throwable cause) {
        return false;
    }

    /** Hook run once as closing starts (cancel timers and the like). */
    void beforeClose() {
    }

    /** Closes on the loop from any thread, without a promise. */
    final void closeQuietly() {
        if (loop.inLoop()) {
            closeNow(null);
        } else {
            try {
                loop.execute(UrgentTask.of(() -> closeNow(null)));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                try {
                    javaChannel().close();
                } catch (IOException ignored) {
                    // Best effort: the loop is gone.
                }
            }
        }
    }

    /**
     * Fires an exception through the pipeline, then closes; for any failure of this channel's I/O. Inside a
     * handler callback both are delivered after it returns.
     */
    final void failAndClose(Throwable cause) {
        if (!open) {
            log.debug("{}: failure after close: {}", this, cause.toString());
            return;
        }
        fireExceptionCaught(cause);
        closeNow(null);
    }

    /**
     * Counts {@code delta} bytes (negative to uncount) that a handler holds for writing but has not yet passed to
     * the transport, for example writes a TLS handler queues until its handshake completes. They count toward the
     * write-buffer watermarks like queued bytes: above {@link ChannelOption#WRITE_BUFFER_HIGH_WATER_MARK} in all,
     * {@link #isWritable()} turns {@code false}, and it turns {@code true} again below the low water mark. A
     * handler that adds bytes must remove them when it passes them on or releases them. Called outside the
     * loop, it hands the change to the loop.
     */
    public final void adjustPendingOutboundBytes(long delta) {
        if (!loop.inLoop()) {
            try {
                loop.execute(UrgentTask.of(() -> adjustPendingOutboundBytes(delta)));
            } catch (java.util.concurrent.RejectedExecutionException loopGone) {
                // The loop has shut down: its channels are closed and nothing counts any more.
            }
            return;
        }
        handlerPendingBytes = Math.max(0, handlerPendingBytes + delta);
        if (!open) {
            return;
        }
        long total = transportPendingBytes() + handlerPendingBytes;
        if (total > highWaterMark) {
            setWritable(false);
        } else if (total < lowWaterMark) {
            setWritable(true);
        }
    }

    /** Bytes in the transport's own write queue (none for channels that do not write). */
    long transportPendingBytes() {
        return 0;
    }

    /**
     * Flips {@link #isWritable()} at once; delivers writability-changed now if no handler callback is running, else
     * once the current callback has returned (see the class comment).
     */
    final void setWritable(boolean value) {
        if (writable == value) {
            return;
        }
        writable = value;
        if (mustDefer() || writabilityTaskPending) {
            if (!writabilityTaskPending) {
                writabilityTaskPending = true;
                runLater(writabilityTask, false);
            }
        } else {
            deliverWritability();
        }
    }

    private void deliverWritability() {
        writabilityTaskPending = false;
        // Fired even if the state flipped back meanwhile: a producer may have seen it unwritable and stopped.
        if (open) {
            pipeline.fireWritabilityChanged();
        }
    }

    @Override
    public String toString() {
        SocketAddress local = safeLocal();
        SocketAddress remote = safeRemote();
        return getClass().getSimpleName() + "#" + id + "(" + local + (remote == null ? "" : " <-> " + remote)
                + (open ? "" : ", closed") + ")";
    }

    private SocketAddress safeLocal() {
        try {
            return localAddress();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private SocketAddress safeRemote() {
        try {
            return remoteAddress();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The pipeline head's way into the channel. */
    private final class ChannelTransport implements Transport {
        @Override
        public void write(Object msg, CompletableFuture<Void> promise) {
            if (!loop.inLoop()) {
                ReferenceCounted.safeRelease(msg);
                assertInLoop("write");
            }
            doWrite(msg, promise);
        }

        @Override
        public void flush() {
            assertInLoop("flush");
            doFlush();
        }

        @Override
        public void read() {
            assertInLoop("read");
            doRead();
        }

        @Override
        public void close(CompletableFuture<Void> promise) {
            closeNow(promise);
        }

        @Override
        public void shutdownOutput(CompletableFuture<Void> promise) {
            assertInLoop("shutdownOutput");
            if (!open) {
                if (promise != null) {
                    promise.completeExceptionally(new ClosedChannelException());
                }
                return;
            }
            doShutdownOutput(promise);
        }

        @Override
        public boolean unhandledInbound(Object msg) {
            return Channel.this.unhandledInbound(msg);
        }

        @Override
        public boolean unhandledException(Throwable cause) {
            return Channel.this.unhandledException(cause);
        }
    }

    final class Io implements IoHandler {
        @Override
        public void registered(SelectionKey selectionKey) {
            key = selectionKey;
            if (!open) {
                LOOPS.deregister(loop, selectionKey);
                key = null;
                return;
            }
            ChannelInitializer init = initializer;
            initializer = null;
            if (init != null) {
                try {
                    init.initChannel(Channel.this);
                } catch (Throwable t) {
                    initializerFaults.warn("{}: channel initializer failed; closing", Channel.this, t);
                    failStart(t);
                    closeNow(null);
                    return;
                }
            }
            try {
                afterRegistration();
            } catch (Throwable t) {
                initializerFaults.warn("{}: setting up the registered channel failed; closing", Channel.this, t);
                failStart(t);
                failAndClose(t);
            }
        }

        @Override
        public void registrationFailed(Throwable cause) {
            log.debug("{}: registration failed: {}", Channel.this, cause.toString());
            registerCalled = false;
            open = false;
            try {
                javaChannel().close();
            } catch (IOException ignored) {
                // Never registered: nothing else to undo.
            }
            failPendingWrites(cause);
            failStart(cause);
            closeFuture.complete(null);
        }

        @Override
        public void ready(SelectionKey selectionKey) {
            try {
                if (selectionKey.isValid()) {
                    handleReady(selectionKey.readyOps());
                }
            } catch (Throwable t) {
                // A fault of this channel (its socket, its allocator, a bug): it fails alone, the loop goes on.
                failAndClose(t);
            }
        }

        @Override
        public void selectorRebuilt(SelectionKey newKey) {
            key = newKey;
        }

        @Override
        public void closeForShutdown() {
            closeNow(null);
        }

        @Override
        public String toString() {
            return Channel.this.toString();
        }
    }

    /** Keeps the future that completes when the channel is connected or bound. */
    final void expectStart(CompletableFuture<?> promise) {
        startPromise = promise;
    }

    /** Takes the pending connect or bind future, leaving none; {@code null} if it was already completed. */
    @SuppressWarnings("unchecked")
    final <C extends Channel> CompletableFuture<C> takeStartPromise() {
        CompletableFuture<C> promise = (CompletableFuture<C>) startPromise;
        startPromise = null;
        return promise;
    }

    private void failStart(Throwable cause) {
        CompletableFuture<?> promise = takeStartPromise();
        if (promise != null) {
            promise.completeExceptionally(cause);
        }
    }
}
