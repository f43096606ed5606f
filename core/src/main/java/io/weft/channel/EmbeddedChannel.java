package io.weft.channel;

import io.weft.buffer.Buffer;
import io.weft.buffer.LeakDetector;
import io.weft.buffer.ReferenceCounted;
import io.weft.loop.EmbeddedEventLoop;
import io.weft.pipeline.Handler;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A channel without a socket, for testing handlers and codecs in memory: push messages or bytes in at either end
 * of its pipeline, read what comes out of the other end, drive its timers with a virtual clock, and check at the
 * end that nothing leaked.
 *
 * <pre>{@code
 * EmbeddedChannel ch = new EmbeddedChannel(new LengthFieldFrameDecoder(1024, 2), new MyDecoder());
 * ch.writeInboundBytes(new byte[] {0, 3, 'a'}, new byte[] {'b', 'c'}); // one frame split over two reads
 * MyMessage msg = ch.readInbound();                                    // what reached the end of the pipeline
 * assertEquals("abc", msg.text());
 *
 * ch.writeOutbound(new MyMessage("hi"));                               // what the pipeline would send
 * Buffer wire = ch.readOutbound();
 * wire.release();                                                      // read it? then you own it
 *
 * assertFalse(ch.finish());  // closes; true if messages are left; throws if a buffer leaked
 * }</pre>
 *
 * <p><b>How it runs.</b> The channel lives on its own {@link EmbeddedEventLoop}: every pipeline operation and
 * handler callback runs synchronously on the calling thread, and each method here runs the tasks the handlers queued
 * ({@link EmbeddedEventLoop#execute}) before it returns. Timers ({@code ctx.loop().schedule(...)}) follow a virtual
 * clock that moves only with {@link #advanceTimeBy}, and so do the {@code io.weft.handler} timeout handlers. The
 * channel is active (and its handlers get {@code channelActive}) from construction until {@link #close()} or
 * {@link #finish()}. Drive it from one thread; it is not thread-safe.
 *
 * <p><b>What comes out.</b> Inbound messages that reach the end of the pipeline are kept for {@link #readInbound()};
 * outbound messages that reach its head are kept for {@link #readOutbound()} once flushed ({@link #writeOutbound}
 * flushes; a handler's own {@code ctx.write} without a flush waits in a pending list, like unflushed socket writes,
 * and its promise completes at the flush). Whoever reads a message owns it and must release it. An exception that
 * reaches the end of the pipeline is kept and rethrown by the next call of {@link #writeInbound},
 * {@link #writeOutbound}, {@link #runPendingTasks}, {@link #checkException} or {@link #finish}, exactly as it was
 * (checked exceptions included), so {@code assertThrows(TooLongFrameException.class, () -> ch.writeInbound(buf))}
 * works.
 *
 * <p><b>Leak checking, strict.</b> Every buffer allocated while one of this channel's methods runs (by handlers,
 * by decoders copying, by {@link #writeInboundBytes}) and every buffer written into the channel is tracked with its
 * allocation stack trace, whatever {@link LeakDetector#level()} says. {@link #finish()} and
 * {@link #finishAndReleaseAll()} end the channel (handlers release what they hold) and throw
 * {@link BufferLeakException} naming every such buffer that is still unreleased, apart from messages still waiting
 * to be read. So: release what you read before calling {@code finish()}. {@link #leakCheck(boolean)} turns this off
 * for a test that keeps buffers on purpose. Several embedded channels on one thread (a client and a server talking
 * to each other) are checked apart: a buffer read from one and written into another becomes the other's to answer
 * for. A buffer allocated outside the channel's methods (say before {@code pipeline().fireChannelRead(...)} called
 * directly) is tracked from the moment it is written into the channel or reaches one of its queues.
 *
 * <p><b>Two ways to end.</b> {@link #finish()} ends the channel the way a peer's close ends a socket channel:
 * handlers get {@code channelInactive}, so a decoder holding a partial frame reports it (the exception is rethrown
 * by {@code finish()}). {@link #close()} is a close requested through the pipeline, as a handler's own
 * {@code ctx.close()}: decoders see it pass and do not complain about a frame cut short.
 *
 * <p>The channel has no socket: socket options are refused ({@link IllegalArgumentException}), and its addresses
 * are unresolved placeholders ({@code embedded:0}). It is always writable: watermarks are not applied.
 */
public class EmbeddedChannel extends Channel {

    private static final SocketAddress LOCAL = InetSocketAddress.createUnresolved("embedded", 0);
    private static final SocketAddress REMOTE = InetSocketAddress.createUnresolved("embedded", 0);

    private final EmbeddedEventLoop embeddedLoop;
    private final ArrayDeque<Object> inbound = new ArrayDeque<>();
    private final ArrayDeque<Object> outbound = new ArrayDeque<>();
    private final ArrayDeque<Object> pendingWrites = new ArrayDeque<>();
    private final ArrayDeque<CompletableFuture<Void>> pendingPromises = new ArrayDeque<>();
    private final LeakDetector.Scope leakScope;
    private boolean leakCheck = true;
    private boolean active;
    private boolean outputShutdown;
    private Throwable pendingException;

    /**
     * A channel whose pipeline holds {@code handlers}, in order, under generated names; they get
     * {@code handlerAdded} and then {@code channelActive} before this returns.
     */
    public EmbeddedChannel(Handler... handlers) {
        this(ch -> {
            for (Handler handler : handlers) {
                ch.pipeline().addLast(handler);
            }
        });
    }

    /**
     * A channel set up by {@code initializer} (which may add named handlers); {@code channelActive} fires after it.
     */
    public EmbeddedChannel(ChannelInitializer initializer) {
        super(new EmbeddedEventLoop());
        this.embeddedLoop = (EmbeddedEventLoop) super.loop();
        this.leakScope = LeakDetector.openScope();
        try {
            register(initializer);
            runTasks();
        } finally {
            leakScope.exit();
        }
    }

    /** The loop this channel runs on: with {@link EmbeddedEventLoop#nanoTime()}, the virtual clock. */
    @Override
    public EmbeddedEventLoop loop() {
        return embeddedLoop;
    }

    // ------------------------------------------------------------------ inbound

    /**
     * Fires each message as one read at the head of the pipeline (ownership passes to the pipeline), then
     * read-complete, then runs pending tasks.
     *
     * Then rethrows whatever exception reached the end of the pipeline, if any (see {@link #checkException()}).
     *
     * @return whether messages are waiting in the inbound queue for {@link #readInbound()}
     */
    public boolean writeInbound(Object... msgs) {
        leakScope.enter();
        try {
            for (Object msg : msgs) {
                leakScope.adopt(msg);
                if (isOpen()) {
                    pipeline.fireChannelRead(msg);
                } else {
                    ReferenceCounted.safeRelease(msg);
                }
            }
            if (isOpen()) {
                pipeline.fireChannelReadComplete();
            }
            runTasks();
            checkException();
            return !inbound.isEmpty();
        } finally {
            leakScope.exit();
        }
    }

    /**
     * Fires each chunk as one read (a buffer from this channel's allocator holding a copy of it), then
     * read-complete: the way to feed a decoder split or coalesced input, as a socket would deliver it.
     *
     * @return whether messages are waiting in the inbound queue
     */
    public boolean writeInboundBytes(byte[]... chunks) {
        leakScope.enter();
        try {
            Object[] buffers = new Object[chunks.length];
            for (int i = 0; i < chunks.length; i++) {
                buffers[i] = allocator().copyOf(chunks[i]);
            }
            return writeInbound(buffers);
        } finally {
            leakScope.exit();
        }
    }

    /** Fires {@code data} as reads of at most {@code chunkSize} bytes each, then read-complete. */
    public boolean writeInboundBytes(byte[] data, int chunkSize) {
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunkSize must be positive, was " + chunkSize);
        }
        List<byte[]> chunks = new ArrayList<>();
        for (int i = 0; i < data.length; i += chunkSize) {
            chunks.add(java.util.Arrays.copyOfRange(data, i, Math.min(data.length, i + chunkSize)));
        }
        return writeInboundBytes(chunks.toArray(new byte[0][]));
    }

    /**
     * Fires {@code msg} as one read at the head of the pipeline, without read-complete (see {@link #flushInbound()}),
     * then runs pending tasks and rethrows a pending exception: to feed several reads as one batch.
     */
    public void writeOneInbound(Object msg) {
        leakScope.enter();
        try {
            leakScope.adopt(msg);
            if (isOpen()) {
                pipeline.fireChannelRead(msg);
            } else {
                ReferenceCounted.safeRelease(msg);
            }
            runTasks();
            checkException();
        } finally {
            leakScope.exit();
        }
    }

    /** Fires read-complete at the head of the pipeline (ends a batch of {@link #writeOneInbound} reads). */
    public void flushInbound() {
        leakScope.enter();
        try {
            if (isOpen()) {
                pipeline.fireChannelReadComplete();
            }
            runTasks();
            checkException();
        } finally {
            leakScope.exit();
        }
    }

    /** Fires a user event at the head of the pipeline, then runs pending tasks. */
    public void fireUserEvent(Object event) {
        leakScope.enter();
        try {
            pipeline.fireUserEvent(event);
            runTasks();
            checkException();
        } finally {
            leakScope.exit();
        }
    }

    /** The next message that reached the end of the pipeline, or {@code null}; the caller owns it. */
    @SuppressWarnings("unchecked")
    public <T> T readInbound() {
        return (T) inbound.poll();
    }

    /**
     * Takes every buffer waiting in the inbound queue (up to the first message that is not a buffer), releases them
     * and returns their bytes, concatenated.
     */
    public byte[] readInboundBytes() {
        return drainBytes(inbound);
    }

    /** The inbound queue itself (messages that reached the end of the pipeline, oldest first). */
    public Queue<Object> inboundMessages() {
        return inbound;
    }

    // ------------------------------------------------------------------ outbound

    /** {@inheritDoc} Buffers the pipeline allocates meanwhile are leak-checked. */
    @Override
    public void write(Object msg) {
        write(msg, null);
    }

    /** {@inheritDoc} Buffers the pipeline allocates meanwhile are leak-checked. */
    @Override
    public CompletableFuture<Void> write(Object msg, CompletableFuture<Void> promise) {
        leakScope.enter();
        try {
            leakScope.adopt(msg);
            return super.write(msg, promise);
        } finally {
            leakScope.exit();
        }
    }

    /** {@inheritDoc} Buffers the pipeline allocates meanwhile are leak-checked. */
    @Override
    public void flush() {
        leakScope.enter();
        try {
            super.flush();
        } finally {
            leakScope.exit();
        }
    }

    @Override
    public void writeAndFlush(Object msg) {
        writeAndFlush(msg, null);
    }

    @Override
    public CompletableFuture<Void> writeAndFlush(Object msg, CompletableFuture<Void> promise) {
        leakScope.enter();
        try {
            write(msg, promise);
            flush();
            return promise;
        } finally {
            leakScope.exit();
        }
    }

    /** Closes through the pipeline, as a handler's own close would, then runs pending tasks. */
    @Override
    public CompletableFuture<Void> close() {
        leakScope.enter();
        try {
            CompletableFuture<Void> closed = super.close();
            runTasks();
            return closed;
        } finally {
            leakScope.exit();
        }
    }

    /**
     * Half-closes through the pipeline, as {@link TcpChannel#shutdownOutput()} would, then runs pending tasks: what
     * was written before goes to the outbound queue, and {@link #isOutputShutdown()} turns {@code true}.
     */
    public CompletableFuture<Void> shutdownOutput() {
        leakScope.enter();
        try {
            CompletableFuture<Void> promise = new CompletableFuture<>();
            pipeline().shutdownOutput(promise);
            runTasks();
            return promise;
        } finally {
            leakScope.exit();
        }
    }

    /** Whether a half-close reached the head of the pipeline (see {@link #shutdownOutput()}). */
    public boolean isOutputShutdown() {
        return outputShutdown;
    }

    @Override
    void doShutdownOutput(CompletableFuture<Void> promise) {
        doFlush();
        outputShutdown = true;
        if (promise != null) {
            promise.complete(null);
        }
    }

    /**
     * Writes each message at the tail of the pipeline, flushes, then runs pending tasks.
     *
     * Then rethrows whatever exception reached the end of the pipeline, or the failure of one of these writes.
     *
     * @return whether messages are waiting in the outbound queue for {@link #readOutbound()}
     */
    public boolean writeOutbound(Object... msgs) {
        leakScope.enter();
        try {
            List<CompletableFuture<Void>> promises = new ArrayList<>(msgs.length);
            for (Object msg : msgs) {
                leakScope.adopt(msg);
                CompletableFuture<Void> promise = new CompletableFuture<>();
                promises.add(promise);
                pipeline.write(msg, promise);
            }
            pipeline.flush();
            runTasks();
            checkException();
            for (CompletableFuture<Void> promise : promises) {
                if (promise.isCompletedExceptionally()) {
                    throwUnchecked(promise.handle((v, t) -> t).join());
                }
            }
            return !outbound.isEmpty();
        } finally {
            leakScope.exit();
        }
    }

    /** The next message that reached the head of the pipeline and was flushed, or {@code null}; the caller owns it. */
    @SuppressWarnings("unchecked")
    public <T> T readOutbound() {
        return (T) outbound.poll();
    }

    /**
     * Takes every buffer waiting in the outbound queue (up to the first message that is not a buffer), releases them
     * and returns their bytes, concatenated: what the channel would have sent.
     */
    public byte[] readOutboundBytes() {
        return drainBytes(outbound);
    }

    /** The outbound queue itself (flushed messages that reached the head of the pipeline, oldest first). */
    public Queue<Object> outboundMessages() {
        return outbound;
    }

    // ------------------------------------------------------------------ tasks, time, errors

    /**
     * Runs the tasks handlers queued and the timers that are due on the virtual clock, then rethrows an exception
     * that reached the end of the pipeline, if any.
     */
    public void runPendingTasks() {
        leakScope.enter();
        try {
            runTasks();
            checkException();
        } finally {
            leakScope.exit();
        }
    }

    /**
     * Moves the virtual clock forward by {@code amount} and runs what became due (timers, idle and timeout
     * handlers); then rethrows an exception that reached the end of the pipeline, if any.
     */
    public void advanceTimeBy(long amount, TimeUnit unit) {
        leakScope.enter();
        try {
            embeddedLoop.advanceTimeBy(amount, unit);
            checkException();
        } finally {
            leakScope.exit();
        }
    }

    /**
     * Rethrows the first exception that reached the end of the pipeline since the last check (later ones are
     * attached to it as suppressed), exactly as it was, even a checked one; does nothing if there was none.
     */
    public void checkException() {
        Throwable t = pendingException;
        if (t != null) {
            pendingException = null;
            throwUnchecked(t);
        }
    }

    // ------------------------------------------------------------------ the end

    /**
     * Ends the channel as a peer's close would (handlers get {@code channelInactive} and {@code handlerRemoved}),
     * runs pending tasks, rethrows a pending exception, then checks for leaks (see the class comment). Messages still waiting in the
     * queues stay there to be read and released.
     *
     * @return whether messages are waiting in the inbound or outbound queue
     * @throws BufferLeakException if a buffer tracked by this channel is still unreleased
     */
    public boolean finish() {
        leakScope.enter();
        try {
            closeAndRun();
            checkException();
            checkLeaks();
            return !inbound.isEmpty() || !outbound.isEmpty();
        } finally {
            leakScope.exit();
        }
    }

    /**
     * Like {@link #finish()}, but first releases every message still waiting in the queues.
     *
     * @return whether there were any
     */
    public boolean finishAndReleaseAll() {
        leakScope.enter();
        try {
            closeAndRun();
            boolean any = releaseInbound() | releaseOutbound();
            checkException();
            checkLeaks();
            return any;
        } finally {
            leakScope.exit();
        }
    }

    /** Releases every message waiting in the inbound queue; returns whether there was one. */
    public boolean releaseInbound() {
        return releaseAll(inbound);
    }

    /** Releases every message waiting in the outbound queue; returns whether there was one. */
    public boolean releaseOutbound() {
        return releaseAll(outbound);
    }

    /**
     * Turns the leak check of {@link #finish()} on (the default) or off.
     *
     * @return this channel
     */
    public EmbeddedChannel leakCheck(boolean enabled) {
        this.leakCheck = enabled;
        return this;
    }

    /**
     * Describes each buffer tracked by this channel that is still unreleased, with its allocation stack trace,
     * leaving out messages waiting in the queues; empty if none. May be called at any time.
     */
    public List<String> unreleasedBuffers() {
        List<Object> queued = new ArrayList<>(inbound.size() + outbound.size() + pendingWrites.size());
        queued.addAll(inbound);
        queued.addAll(outbound);
        queued.addAll(pendingWrites);
        return leakScope.unreleased(queued);
    }

    private void checkLeaks() {
        leakScope.close();
        if (!leakCheck) {
            return;
        }
        List<String> leaks = unreleasedBuffers();
        if (!leaks.isEmpty()) {
            throw new BufferLeakException(leaks);
        }
    }

    private void closeAndRun() {
        if (isOpen()) {
            closeNow(null);
        }
        runTasks();
    }

    private void runTasks() {
        embeddedLoop.runPendingTasks();
    }

    private static boolean releaseAll(Queue<Object> queue) {
        boolean any = !queue.isEmpty();
        Object msg;
        while ((msg = queue.poll()) != null) {
            ReferenceCounted.safeRelease(msg);
        }
        return any;
    }

    private static byte[] drainBytes(Queue<Object> queue) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (queue.peek() instanceof Buffer buffer) {
            queue.poll();
            try {
                byte[] bytes = new byte[buffer.readableBytes()];
                buffer.getBytes(buffer.readerIndex(), bytes, 0, bytes.length);
                out.writeBytes(bytes);
            } finally {
                buffer.release();
            }
        }
        return out.toByteArray();
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void throwUnchecked(Throwable t) throws T {
        throw (T) t;
    }

    // ------------------------------------------------------------------ Channel's transport

    @Override
    public SocketAddress localAddress() {
        return LOCAL;
    }

    @Override
    public SocketAddress remoteAddress() {
        return REMOTE;
    }

    @Override
    SelectableChannel javaChannel() {
        return null;
    }

    @Override
    void closeSocket() {
        // No socket.
    }

    @Override
    void afterRegistration() {
        active = true;
        pipeline.fireChannelActive();
    }

    @Override
    void handleReady(int readyOps) {
        // Never selected.
    }

    @Override
    void doRead() {
        // Reads happen when the test writes inbound messages.
    }

    @Override
    void doWrite(Object msg, CompletableFuture<Void> promise) {
        if (!isOpen() || outputShutdown) {
            ReferenceCounted.safeRelease(msg);
            if (promise != null) {
                promise.completeExceptionally(new ClosedChannelException());
            }
            return;
        }
        leakScope.adopt(msg);
        pendingWrites.add(msg);
        pendingPromises.add(promise == null ? NO_PROMISE : promise);
    }

    @Override
    void doFlush() {
        Object msg;
        while ((msg = pendingWrites.poll()) != null) {
            outbound.add(msg);
            CompletableFuture<Void> promise = pendingPromises.poll();
            if (promise != NO_PROMISE) {
                promise.complete(null);
            }
        }
    }

    @Override
    void failPendingWrites(Throwable cause) {
        Object msg;
        while ((msg = pendingWrites.poll()) != null) {
            ReferenceCounted.safeRelease(msg);
            CompletableFuture<Void> promise = pendingPromises.poll();
            if (promise != NO_PROMISE) {
                promise.completeExceptionally(cause);
            }
        }
    }

    @Override
    boolean wasActive() {
        return active;
    }

    @Override
    boolean unhandledInbound(Object msg) {
        leakScope.adopt(msg);
        inbound.add(msg);
        return true;
    }

    @Override
    boolean unhandledException(Throwable cause) {
        if (pendingException == null) {
            pendingException = cause;
        } else if (pendingException != cause) {
            pendingException.addSuppressed(cause);
        }
        return true;
    }

    /** Stands for "no promise" in the pending list (an {@link ArrayDeque} holds no nulls). */
    private static final CompletableFuture<Void> NO_PROMISE = new CompletableFuture<>();
}
