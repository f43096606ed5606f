package io.weft.codec.tls;

import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.ChannelOption;
import io.weft.channel.FileRegion;
import io.weft.channel.UnsupportedMessageTypeException;
import io.weft.loop.ScheduledTask;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import io.weft.pipeline.PendingShutdown;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS for one connection: a pipeline stage wrapping a {@link SSLEngine}. Inbound it turns TLS records into
 * plaintext {@link Buffer}s; outbound it turns plaintext {@link Buffer}s into TLS records. Put it first in the
 * pipeline (closest to the socket):
 *
 * <pre>{@code
 * TlsHandler.Builder tls = TlsHandler.server(sslContext).applicationProtocols("http/1.1");
 * Server.builder().group(group)
 *       .childHandler(ch -> ch.pipeline().addLast("tls", tls.build()).addLast("app", new MyHandler()))
 *       .bind("127.0.0.1", 8443);
 * }</pre>
 *
 * <p><b>Handshake.</b> It starts as soon as the channel is active and is driven by the loop: handshake records
 * are unwrapped as they arrive and answered at once. The engine's delegated tasks (certificate checks, key
 * agreement) run on a separate executor, off the loop, and the handshake resumes on the channel's loop when they
 * are done. A handshake that has not completed within the handshake timeout (a loop timer) fails with a
 * {@link TlsHandshakeTimeoutException}. Writes (and flushes) issued before the handshake completes are queued
 * and sent, in order, once it has. When it ends, a {@link TlsHandshakeCompletionEvent} is fired as a user event
 * (carrying the protocol, cipher suite and ALPN protocol, or the cause of the failure) and
 * {@link #handshakeFuture()} completes.
 *
 * <p><b>Errors.</b> Bytes that are not TLS records (a plaintext client, garbage) raise a
 * {@link NotSslRecordException} naming the bytes seen; a failed handshake raises a {@link TlsHandshakeException};
 * other engine errors a {@link TlsException}. In each case the handler releases everything it holds, fires the
 * exception, sends the alert the engine produced, and closes the connection; the loop and other connections are
 * unaffected. Undecrypted inbound bytes are bounded ({@link Builder#maxBufferedBytes}).
 *
 * <p><b>Closing.</b> Closing the channel through the pipeline sends a {@code close_notify} alert first and
 * closes the socket once it has been written (or after the close-notify timeout). A {@code close_notify} from
 * the peer is answered and the channel closed.
 *
 * <p><b>States.</b> One connection's handler moves through {@link State}: {@code INITIAL} (added, channel not
 * active yet) → {@code HANDSHAKING} (engine started; writes are queued) → {@code OPEN} (application data flows)
 * → {@code CLOSING} (a local close or the peer's {@code close_notify}: our {@code close_notify} is being
 * written) → {@code CLOSED} (channel inactive or handler removed; everything released). Any state but
 * {@code CLOSED} may go to {@code FAILED} (an engine error, a bad record, the handshake timeout), which closes
 * like {@code CLOSING} after firing the typed exception. Inbound bytes are processed only in {@code HANDSHAKING}
 * and {@code OPEN}; writes are queued in {@code INITIAL} and {@code HANDSHAKING}, encrypted in {@code OPEN} and
 * failed with a {@link ClosedChannelException} afterwards.
 *
 * <p><b>Threads.</b> Like every handler, all callbacks run on the channel's loop; an instance holds one
 * connection's engine and must not be shared. The {@link Builder} is immutable once configured and may be used
 * from any thread to make one handler per connection.
 *
 * <p><b>Writes.</b> {@link Buffer}s are encrypted; a {@link FileRegion} is read in chunks of {@value #FILE_CHUNK}
 * bytes, each encrypted and flushed while the channel is writable, so a file of any size streams with bounded
 * memory. Writes waiting for the handshake are bounded ({@link Builder#maxPendingWriteBytes}) and count toward
 * the channel's write-buffer watermarks. Anything else fails with an {@link UnsupportedMessageTypeException}.
 */
public final class TlsHandler implements Handler {

    private static final Logger log = LoggerFactory.getLogger(TlsHandler.class);

    static final int RECORD_HEADER_LENGTH = TlsRecords.RECORD_HEADER_LENGTH;
    static final int MAX_RECORD_PAYLOAD = TlsRecords.MAX_RECORD_PAYLOAD;
    /** Default of {@link Builder#maxPendingWriteBytes}: 1 MiB. */
    public static final int DEFAULT_MAX_PENDING_WRITE_BYTES = 1 << 20;
    /** Plaintext read from a {@code FileRegion} and encrypted at a time. */
    static final int FILE_CHUNK = 64 * 1024;
    /** Chunks of a {@code FileRegion} streamed before yielding the loop to other channels. */
    private static final int FILE_CHUNKS_PER_TURN = 16;
    /** Encrypted bytes gathered before being handed on as one buffer. */
    private static final int OUTBOUND_CHUNK = 64 * 1024;
    /** Plaintext of a full TLS record: a batch this large is encrypted without waiting for the flush. */
    static final int MAX_PLAINTEXT_RECORD = 1 << 14;
    /** Writes a batch holds at most before it is encrypted. */
    static final int MAX_BATCH = 64;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    /** The life of one connection's TLS session; see the class comment for the transitions. */
    enum State {
        /** Added to a pipeline whose channel is not active yet; nothing sent. */
        INITIAL,
        /** {@code beginHandshake} called; handshake records flow, application writes are queued. */
        HANDSHAKING,
        /** Handshake complete; application data is encrypted and decrypted. */
        OPEN,
        /** Closing cleanly: {@code close_notify} being written, then the channel closes. */
        CLOSING,
        /** Failed: the typed exception was fired, any alert is being written, then the channel closes. */
        FAILED,
        /** The channel is inactive or the handler removed: everything is released, nothing more happens. */
        CLOSED;

        /** Whether inbound bytes are still processed and writes still accepted. */
        boolean running() {
            return this == INITIAL || this == HANDSHAKING || this == OPEN;
        }
    }

    private final SSLEngine engine;
    private final boolean client;
    private final TlsEngineConfig config;
    private final Executor taskExecutor;
    private final CompletableFuture<TlsHandshakeCompletionEvent> handshakeFuture = new CompletableFuture<>();
    private final TlsPendingWrites pending;
    private final TlsAlpn alpn;

    private HandlerContext ctx;
    /** Loop-confined but volatile so that a delegated-task thread can see the connection has ended. */
    private volatile State state = State.INITIAL;
    private Buffer cumulation;
    private Buffer appOut;
    private Buffer outbound;
    /** Plaintext writes waiting to be encrypted together (see {@link #encryptAndWrite}), oldest first. */
    private final Buffer[] batch = new Buffer[MAX_BATCH];
    /** Their NIO views while {@link #encryptBatch} runs. */
    private final ByteBuffer[] batchNio = new ByteBuffer[MAX_BATCH];
    private int batchCount;
    private int batchBytes;
    /** A {@code FileRegion} being read in chunks and encrypted (OPEN only), with its write's promise. */
    private TlsPendingWrites.Entry streaming;
    /** {@link #drainOutbound} is running: a writability event it causes must not re-enter it. */
    private boolean draining;
    /** Reused for every file chunk: copies file bytes into a buffer. */
    private final BufferSink fileSink = new BufferSink();
    private final Runnable drainTask = this::drainOutbound;
    private ScheduledTask handshakeTimer;
    private int appBufferSize;
    private int packetBufferSize;
    /** A batch of delegated tasks is out on the executor; the engine must not be driven until it is back. */
    private boolean taskInFlight;
    /** The peer's {@code close_notify} arrived (an I/O error after it is the expected end, not a failure). */
    private boolean closeNotifyReceived;
    /** Decrypted data was passed on during the current read batch. */
    private boolean firedRead;
    /** A half-close waiting for the handshake and queued writes; its {@code close_notify} goes once they are out. */
    private final PendingShutdown shutdown = new PendingShutdown();
    /** The half-close's {@code close_notify} has been handed on (with the half-close itself). */
    private boolean outputShutdownSent;

    private TlsHandler(SSLEngine engine, TlsEngineConfig config) {
        this.engine = engine;
        this.client = engine.getUseClientMode();
        this.config = config;
        this.taskExecutor = config.taskExecutor;
        this.pending = new TlsPendingWrites(config.maxPendingWriteBytes);
        this.alpn = new TlsAlpn(config);
        if (!client && config.applicationProtocols != null) {
            engine.setHandshakeApplicationProtocolSelector((e, offered) -> alpn.select(offered));
        }
        SSLSession session = engine.getSession();
        this.appBufferSize = session.getApplicationBufferSize();
        this.packetBufferSize = session.getPacketBufferSize();
    }

    /** A builder for client-side handlers using {@code context}. */
    public static Builder client(SSLContext context) {
        return new Builder(context, true);
    }

    /** A builder for server-side handlers using {@code context}. */
    public static Builder server(SSLContext context) {
        return new Builder(context, false);
    }

    // ------------------------------------------------------------------ public state

    /** The engine this handler drives; configure it only before the handler is added to a pipeline. */
    public SSLEngine engine() {
        return engine;
    }

    /** Whether this handler is the client side of the handshake. */
    public boolean isClient() {
        return client;
    }

    /**
     * Completes with the handshake's {@link TlsHandshakeCompletionEvent} on success, or exceptionally with the
     * {@link TlsException} that ended it. Completes on the channel's loop.
     */
    public CompletableFuture<TlsHandshakeCompletionEvent> handshakeFuture() {
        return handshakeFuture;
    }

    /** Whether the handshake has completed successfully. Loop thread, or after {@link #handshakeFuture()}. */
    public boolean isHandshakeComplete() {
        return handshakeSucceeded();
    }

    /** The protocol agreed by ALPN, or {@code null} if none (yet). */
    public String applicationProtocol() {
        String alpn = engine.getApplicationProtocol();
        return alpn == null || alpn.isEmpty() ? null : alpn;
    }

    /** On a server, the host name the client asked for with SNI, or {@code null} if it sent none. */
    public String requestedServerName() {
        if (engine.getHandshakeSession() instanceof ExtendedSSLSession hs) {
            return hostName(hs.getRequestedServerNames());
        }
        if (engine.getSession() instanceof ExtendedSSLSession s) {
            return hostName(s.getRequestedServerNames());
        }
        return null;
    }

    private static String hostName(List<SNIServerName> names) {
        for (SNIServerName name : names) {
            if (name instanceof SNIHostName host) {
                return host.getAsciiName();
            }
        }
        return null;
    }

    /** Whether the peer has sent its {@code close_notify} alert. */
    public boolean isCloseNotifyReceived() {
        return closeNotifyReceived;
    }

    /** The current state; loop thread (tests and diagnostics). */
    State state() {
        return state;
    }

    /** {@code OPEN}, or a later state reached after a successful handshake. */
    private boolean handshakeSucceeded() {
        return state == State.OPEN || (handshakeFuture.isDone() && !handshakeFuture.isCompletedExceptionally());
    }

    private boolean stopped() {
        return !state.running();
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void handlerAdded(HandlerContext ctx) {
        this.ctx = ctx;
        pending.attach(ctx.channel());
        if (ctx.channel().isActive()) {
            startHandshake();
        }
    }

    @Override
    public void channelActive(HandlerContext ctx) {
        ctx.fireChannelActive();
        if (state == State.INITIAL) {
            startHandshake();
        } else if (state == State.HANDSHAKING) {
            // Started in handlerAdded, possibly before the channel could register interest in reading.
            readIfAutoReadOff();
        }
    }

    /** {@code INITIAL → HANDSHAKING}. */
    private void startHandshake() {
        if (state != State.INITIAL) {
            return;
        }
        state = State.HANDSHAKING;
        if (config.handshakeTimeoutMillis > 0) {
            handshakeTimer = ctx.loop().schedule(this::handshakeTimedOut, config.handshakeTimeoutMillis,
                    TimeUnit.MILLISECONDS);
        }
        try {
            engine.beginHandshake();
            pump();
        } catch (Throwable t) {
            fail(t);
            return;
        }
        readIfAutoReadOff();
    }

    /**
     * With {@link ChannelOption#AUTO_READ} off, the handshake (and a read that produced only part of a record)
     * still needs bytes: ask for the next batch, as the application cannot know it must.
     */
    private void readIfAutoReadOff() {
        if (!stopped() && !ctx.channel().option(ChannelOption.AUTO_READ)) {
            ctx.read();
        }
    }

    private void handshakeTimedOut() {
        handshakeTimer = null;
        if (state == State.HANDSHAKING) {
            fail(new TlsHandshakeTimeoutException("TLS handshake with " + ctx.channel().remoteAddress()
                    + " did not complete within the handshake timeout of " + config.handshakeTimeoutMillis + " ms"));
        }
    }

    /** Any state {@code → CLOSED}. */
    @Override
    public void channelInactive(HandlerContext ctx) {
        boolean wasFailed = state == State.FAILED;
        state = State.CLOSED;
        releaseAll(closedIfPending());
        if (!handshakeSucceeded() && !wasFailed) {
            handshakeFailed(new TlsHandshakeException(
                    "connection closed before the TLS handshake completed (" + (client ? "client" : "server")
                            + " side, peer " + ctx.channel().remoteAddress() + ")"));
        }
        closeEngine();
        ctx.fireChannelInactive();
    }

    /** Any state {@code → CLOSED}. */
    @Override
    public void handlerRemoved(HandlerContext ctx) {
        state = State.CLOSED;
        releaseAll(closedIfPending());
        if (!handshakeFuture.isDone()) {
            handshakeFuture.completeExceptionally(
                    new TlsHandshakeException("TlsHandler removed before the handshake completed"));
        }
        closeEngine();
    }

    private void closeEngine() {
        engine.closeOutbound();
        try {
            engine.closeInbound();
        } catch (SSLException expected) {
            // The JDK complains when the peer did not send close_notify; the connection is gone anyway, and
            // whatever ended it has been reported once already (architecture rule 11: one line per fault).
        }
    }

    /**
     * A {@link ClosedChannelException} for the writes still queued here, or {@code null} when none is (every
     * connection ends through here: no exception and stack trace is built for nothing).
     */
    private ClosedChannelException closedIfPending() {
        return streaming == null && pending.isEmpty() && !shutdown.isRequested() ? null : new ClosedChannelException();
    }

    /** Releases everything held and fails the queued writes with {@code cause} (null only when none is queued). */
    private void releaseAll(Throwable cause) {
        cancelHandshakeTimer();
        releaseInbound();
        releaseBatch();
        Buffer o = outbound;
        outbound = null;
        if (o != null) {
            o.release();
        }
        failStreaming(cause);
        pending.failAll(cause);
        shutdown.fail(cause);
    }

    private void failStreaming(Throwable cause) {
        TlsPendingWrites.Entry s = streaming;
        streaming = null;
        if (s != null) {
            ReferenceCounted.safeRelease(s.msg());
            if (s.promise() != null) {
                s.promise().completeExceptionally(cause);
            }
        }
    }

    private void releaseInbound() {
        Buffer c = cumulation;
        cumulation = null;
        if (c != null) {
            c.release();
        }
        Buffer a = appOut;
        appOut = null;
        if (a != null) {
            a.release();
        }
    }

    private void cancelHandshakeTimer() {
        ScheduledTask t = handshakeTimer;
        handshakeTimer = null;
        if (t != null) {
            t.cancel();
        }
    }

    // ------------------------------------------------------------------ inbound

    @Override
    public void channelRead(HandlerContext ctx, Object msg) {
        if (!(msg instanceof Buffer data)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (stopped()) {
            data.release();
            return;
        }
        if (!alpn.lookedUp()) {
            // The pipeline is complete by the time the peer's first bytes arrive.
            alpn.lookUp(ctx);
        }
        try {
            cumulate(data);
            pump();
            Buffer c = cumulation;
            if (c != null) {
                if (!c.isReadable()) {
                    cumulation = null;
                    c.release();
                } else if (c.readableBytes() > config.maxBufferedBytes) {
                    throw new TlsException("buffered " + c.readableBytes()
                            + " bytes of TLS data not yet decrypted, exceeding the limit of "
                            + config.maxBufferedBytes);
                }
            }
        } catch (Throwable t) {
            fail(t);
        }
    }

    @Override
    public void channelReadComplete(HandlerContext ctx) {
        boolean produced = firedRead;
        firedRead = false;
        ctx.fireChannelReadComplete();
        if (!produced || state != State.OPEN) {
            readIfAutoReadOff();
        }
    }

    private void cumulate(Buffer data) {
        Buffer c = cumulation;
        if (c == null) {
            cumulation = data;
            return;
        }
        try {
            int incoming = data.readableBytes();
            if (c.writableBytes() < incoming && c.readerIndex() > 0) {
                c.discardReadBytes();
            }
            if (c.writableBytes() < incoming && c.maxWritableBytes() < incoming) {
                Buffer bigger = ctx.alloc().allocate(c.readableBytes() + incoming);
                bigger.writeBytes(c);
                c.release();
                cumulation = bigger;
                c = bigger;
            }
            c.writeBytes(data);
        } finally {
            data.release();
        }
    }

    /**
     * Drives the engine as far as the buffered input allows: answers handshake messages, hands delegated tasks to
     * the executor, decrypts application data and passes it on. Loop thread only.
     */
    private void pump() throws SSLException {
        try {
            pumpLoop();
        } finally {
            Buffer out = appOut;
            if (out != null) {
                // Pass decrypted bytes on; an empty buffer is not kept either, so idle connections pin no memory.
                appOut = null;
                if (out.isReadable()) {
                    firedRead = true;
                    ctx.fireChannelRead(out);
                } else {
                    out.release();
                }
            }
        }
    }

    private void pumpLoop() throws SSLException {
        for (;;) {
            if (stopped() || taskInFlight) {
                return;
            }
            HandshakeStatus hs = engine.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK) {
                runDelegatedTasks();
                return;
            }
            if (hs == HandshakeStatus.NEED_WRAP) {
                if (!wrapNonApplicationData()) {
                    return;
                }
                continue;
            }
            Buffer in = cumulation;
            if (in == null) {
                return;
            }
            int readable = in.readableBytes();
            int recordLength = TlsRecords.checkRecord(in);
            if (recordLength < 0 || readable < recordLength) {
                return;
            }
            if (!ensureAppOut(readable)) {
                return;
            }
            in = cumulation;
            Buffer out = appOut;
            if (in == null || out == null) {
                return;
            }
            int start = in.readerIndex();
            SSLEngineResult r = engine.unwrap(in.internalNioBuffer(start, readable),
                    out.internalNioBuffer(out.writerIndex(), out.writableBytes()));
            int consumed = r.bytesConsumed();
            int produced = r.bytesProduced();
            in.skipBytes(consumed);
            out.writerIndex(out.writerIndex() + produced);
            switch (r.getStatus()) {
                case BUFFER_OVERFLOW -> {
                    appBufferSize = Math.max(appBufferSize, engine.getSession().getApplicationBufferSize());
                    if (out.isReadable()) {
                        appOut = null;
                        firedRead = true;
                        ctx.fireChannelRead(out);
                    } else {
                        out.ensureWritable(appBufferSize);
                    }
                    continue;
                }
                case BUFFER_UNDERFLOW -> {
                    return;
                }
                case CLOSED -> {
                    peerClosed();
                    return;
                }
                default -> {
                    // OK
                }
            }
            if (finishedBy(r)) {
                handshakeFinished();
            }
            if (consumed == 0 && produced == 0 && r.getHandshakeStatus() == hs) {
                return;
            }
        }
    }

    /** The peer's {@code close_notify} arrived: pass on what was decrypted, then {@code → CLOSING}. */
    private void peerClosed() {
        closeNotifyReceived = true;
        log.debug("{}: peer sent close_notify", ctx.channel());
        Buffer data = appOut;
        appOut = null;
        if (data != null && data.isReadable()) {
            firedRead = true;
            ctx.fireChannelRead(data);
        } else if (data != null) {
            data.release();
        }
        if (!stopped()) {
            state = State.CLOSING;
            sendCloseNotifyAndClose(null);
        }
    }

    /**
     * Makes sure {@link #appOut} can take a whole decrypted record, passing a full one on first.
     *
     * @return {@code false} if passing data on stopped this handler
     */
    private boolean ensureAppOut(int readable) {
        Buffer out = appOut;
        if (out != null && out.writableBytes() < appBufferSize) {
            if (out.isReadable()) {
                appOut = null;
                firedRead = true;
                ctx.fireChannelRead(out);
                if (stopped()) {
                    return false;
                }
                out = null;
            } else {
                out.ensureWritable(appBufferSize);
            }
        }
        if (out == null) {
            appOut = ctx.alloc().allocate(Math.max(appBufferSize, Math.min(readable + 1024, OUTBOUND_CHUNK)));
        }
        return true;
    }

    // ------------------------------------------------------------------ handshake

    /**
     * Wraps handshake (or alert) records while the engine asks for it and writes and flushes them.
     *
     * @return {@code false} if the pump should stop (a task started, the handler stopped, or nothing produced)
     */
    private boolean wrapNonApplicationData() throws SSLException {
        Buffer out = ctx.alloc().allocate(packetBufferSize);
        boolean finished = false;
        boolean progress = false;
        try {
            for (;;) {
                out.ensureWritable(packetBufferSize);
                SSLEngineResult r = engine.wrap(EMPTY, out.internalNioBuffer(out.writerIndex(), out.writableBytes()));
                out.writerIndex(out.writerIndex() + r.bytesProduced());
                if (r.bytesProduced() > 0) {
                    progress = true;
                }
                HandshakeStatus hs = r.getHandshakeStatus();
                if (finishedBy(r)) {
                    finished = true;
                }
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    packetBufferSize = Math.max(packetBufferSize, engine.getSession().getPacketBufferSize());
                    continue;
                }
                if (r.getStatus() == SSLEngineResult.Status.CLOSED || hs != HandshakeStatus.NEED_WRAP
                        || r.bytesProduced() == 0) {
                    break;
                }
            }
        } catch (SSLException e) {
            writeAndFlushOrRelease(out);
            throw e;
        }
        writeAndFlushOrRelease(out);
        if (finished) {
            handshakeFinished();
        }
        // A wrap that finishes the handshake without producing a byte (Conscrypt's server holds its session
        // tickets back) is progress too: records already buffered behind the peer's Finished must be decrypted
        // now, as the peer may send nothing more until it is answered.
        return (progress || finished) && !stopped() && !taskInFlight;
    }

    /**
     * Whether {@code r} ends the handshake: {@code FINISHED}, or (engines that never say {@code FINISHED} for
     * some step) {@code NOT_HANDSHAKING} while this handler still waits for the end of the handshake.
     */
    private boolean finishedBy(SSLEngineResult r) {
        HandshakeStatus hs = r.getHandshakeStatus();
        return hs == HandshakeStatus.FINISHED
                || (hs == HandshakeStatus.NOT_HANDSHAKING && state == State.HANDSHAKING
                        && r.getStatus() == SSLEngineResult.Status.OK);
    }

    private void writeAndFlushOrRelease(Buffer out) {
        if (out.isReadable() && state != State.CLOSED) {
            ctx.write(out, null);
            ctx.flush();
        } else {
            out.release();
        }
    }

    /**
     * Hands the engine's pending delegated tasks to the executor as one batch; the pump waits until the batch is
     * back on the loop. A full executor fails this connection's handshake with a {@link TlsTaskRejectedException}.
     */
    private void runDelegatedTasks() {
        taskInFlight = true;
        try {
            taskExecutor.execute(new DelegatedTasks());
        } catch (RejectedExecutionException e) {
            taskInFlight = false;
            String bound = taskExecutor instanceof TlsTaskExecutor t
                    ? " (queue of " + t.queueCapacity() + " full)" : "";
            fail(new TlsTaskRejectedException("TLS handshake with " + ctx.channel().remoteAddress()
                    + " failed: the delegated-task executor refused its tasks" + bound + "; too many handshakes"
                    + " at once", e));
        }
    }

    /**
     * One batch of delegated tasks, run off the loop. Skipped when the connection has ended before it got a
     * thread: a flood of handshakes whose peers went away costs no CPU.
     */
    final class DelegatedTasks implements Runnable {
        private int run;
        private boolean skipped;

        @Override
        public void run() {
            Throwable error = null;
            try {
                Runnable task;
                while (state.running() && (task = engine.getDelegatedTask()) != null) {
                    task.run();
                    run++;
                }
            } catch (Throwable t) {
                error = t;
            }
            if (!state.running()) {
                skipped = true;
                log.debug("{}: connection ended; TLS delegated tasks skipped after {}", ctx.channel(), run);
                return;
            }
            Throwable e = error;
            try {
                ctx.loop().execute(() -> resumeAfterTasks(e));
            } catch (RejectedExecutionException rejected) {
                log.debug("{}: loop gone while TLS delegated tasks ran", ctx.channel());
            }
        }

        /** Engine tasks this batch ran (tests). */
        int tasksRun() {
            return run;
        }

        /** Whether the batch found its connection ended and did not (all) run (tests). */
        boolean skipped() {
            return skipped;
        }
    }

    private void resumeAfterTasks(Throwable error) {
        taskInFlight = false;
        if (stopped()) {
            return;
        }
        if (error != null) {
            fail(error);
            return;
        }
        boolean before = firedRead;
        try {
            pump();
        } catch (Throwable t) {
            fail(t);
            return;
        }
        if (firedRead && !before) {
            firedRead = false;
            ctx.fireChannelReadComplete();
        }
        if (state == State.HANDSHAKING) {
            readIfAutoReadOff();
        }
    }

    /** {@code HANDSHAKING → OPEN}: sends the queued writes, completes the future, fires the event. */
    private void handshakeFinished() {
        if (state != State.HANDSHAKING) {
            return;
        }
        TlsHandshakeException unserved = alpn.check(ctx, applicationProtocol());
        if (unserved != null) {
            fail(unserved);
            return;
        }
        state = State.OPEN;
        cancelHandshakeTimer();
        SSLSession session = engine.getSession();
        appBufferSize = Math.max(appBufferSize, session.getApplicationBufferSize());
        packetBufferSize = Math.max(packetBufferSize, session.getPacketBufferSize());
        TlsHandshakeCompletionEvent event = TlsHandshakeCompletionEvent.success(session, applicationProtocol());
        log.debug("{}: TLS handshake complete: {}", ctx.channel(), event);
        // Writes queued during the handshake go first, so that writes made in reaction to the event follow them.
        pending.stopCounting();
        drainOutbound();
        handshakeFuture.complete(event);
        if (state != State.CLOSED) {
            ctx.fireUserEvent(event);
        }
    }

    private void handshakeFailed(Throwable cause) {
        if (handshakeFuture.isDone()) {
            return;
        }
        handshakeFuture.completeExceptionally(cause);
        if (!ctx.isRemoved()) {
            ctx.fireUserEvent(TlsHandshakeCompletionEvent.failure(cause));
        }
    }

    // ------------------------------------------------------------------ outbound

    /**
     * Encrypts a {@link Buffer}, or streams a {@link FileRegion} in chunks of {@value #FILE_CHUNK} bytes read
     * from the file and encrypted, only while the channel is writable (a large file is never read ahead of the
     * socket). Before the handshake completes, and behind a region being streamed, writes are queued (bounded:
     * {@link Builder#maxPendingWriteBytes}).
     */
    @Override
    public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) {
        if (!(msg instanceof Buffer) && !(msg instanceof FileRegion)) {
            ReferenceCounted.safeRelease(msg);
            throw new UnsupportedMessageTypeException(msg, "Buffer or FileRegion (TlsHandler encrypts bytes)");
        }
        if (stopped() || shutdown.isRequested() || outputShutdownSent) {
            ReferenceCounted.safeRelease(msg);
            if (promise != null) {
                promise.completeExceptionally(new ClosedChannelException());
            }
            return;
        }
        if (state == State.OPEN && streaming == null && pending.isEmpty()) {
            if (msg instanceof Buffer data) {
                encryptAndWrite(data, promise);
            } else {
                streaming = new TlsPendingWrites.Entry(msg, promise);
                drainOutbound();
            }
            return;
        }
        if (!pending.add(msg, promise)) {
            int size = ((Buffer) msg).readableBytes();
            ReferenceCounted.safeRelease(msg);
            TlsWriteQueueFullException error = new TlsWriteQueueFullException("write of " + size
                    + " bytes refused: " + pending.bytes() + " bytes already wait for "
                    + (state == State.OPEN ? "a file being streamed" : "the TLS handshake")
                    + ", and the limit (maxPendingWriteBytes) is " + config.maxPendingWriteBytes);
            if (promise != null) {
                promise.completeExceptionally(error);
            } else {
                // Not from inside the writer's own write call (architecture rule 8): after it has returned.
                ctx.loop().execute(() -> ctx.fireExceptionCaught(error));
            }
        }
    }

    @Override
    public void flush(HandlerContext ctx) {
        if (!handshakeSucceeded() || !pending.isEmpty()) {
            pending.requestFlush();
            if (!handshakeSucceeded()) {
                return;
            }
        }
        flushOutbound();
    }

    @Override
    public void writabilityChanged(HandlerContext ctx) {
        if (streaming != null && ctx.channel().isWritable()) {
            drainOutbound();
        }
        ctx.fireWritabilityChanged();
    }

    /**
     * Encrypts what waits, in order: the region being streamed, then queued writes (a queued region becomes the
     * one streamed). Stops while the channel is not writable (resumed by {@link #writabilityChanged}) and after
     * {@value #FILE_CHUNKS_PER_TURN} file chunks (resumed by a task, so other channels get their turn). OPEN only.
     */
    private void drainOutbound() {
        if (draining) {
            return;
        }
        draining = true;
        try {
            int chunks = 0;
            while (state == State.OPEN) {
                TlsPendingWrites.Entry s = streaming;
                if (s != null) {
                    FileRegion region = (FileRegion) s.msg();
                    while (region.remaining() > 0) {
                        if (!ctx.channel().isWritable()) {
                            flushOutbound();
                            return;
                        }
                        if (chunks++ == FILE_CHUNKS_PER_TURN) {
                            flushOutbound();
                            ctx.loop().execute(drainTask);
                            return;
                        }
                        if (!encryptFileChunk(region)) {
                            return;
                        }
                    }
                    streaming = null;
                    region.release();
                    completeWhenWritten(s.promise());
                    // Chunks were flushed as they went; the last write (carrying the promise) goes too.
                    flushOutbound();
                    continue;
                }
                TlsPendingWrites.Entry next = pending.poll();
                if (next == null) {
                    break;
                }
                if (next.msg() instanceof Buffer data) {
                    encryptAndWrite(data, next.promise());
                } else {
                    streaming = next;
                }
            }
            if (pending.takeFlushRequest() && state == State.OPEN) {
                flushOutbound();
            }
            if (shutdown.isRequested() && state == State.OPEN && streaming == null && pending.isEmpty()) {
                sendCloseNotifyAndShutdownOutput();
            }
        } finally {
            draining = false;
        }
    }

    /**
     * Reads the next chunk of {@code region} and encrypts it, then flushes.
     *
     * @return {@code false} if that failed the connection
     */
    private boolean encryptFileChunk(FileRegion region) {
        Buffer chunk = ctx.alloc().allocate((int) Math.min(FILE_CHUNK, region.remaining()));
        try {
            fileSink.target = chunk;
            long read = region.transferTo(fileSink);
            if (read == 0) {
                throw new IOException("no bytes read from " + region + "; did the file shrink?");
            }
        } catch (IOException | RuntimeException e) {
            fileSink.target = null;
            chunk.release();
            // A local file problem, not the peer's: a CodecException, so it is logged as a fault if unhandled.
            io.weft.codec.CodecException error = new io.weft.codec.CodecException(
                    "could not read the file region being sent over TLS: " + e, e);
            failStreaming(error);
            fail(error);
            return false;
        }
        fileSink.target = null;
        encryptAndWrite(chunk, null);
        flushOutbound();
        return state == State.OPEN;
    }

    /** Lets {@link FileRegion#transferTo} copy file bytes into a buffer, up to the buffer's capacity. */
    private static final class BufferSink implements WritableByteChannel {
        Buffer target;

        @Override
        public int write(ByteBuffer src) {
            int n = Math.min(src.remaining(), target.writableBytes());
            if (n > 0) {
                target.writeBytes(src.slice(src.position(), n));
                src.position(src.position() + n);
            }
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    private void flushOutbound() {
        if (!encryptBatch(null)) {
            return;
        }
        Buffer out = outbound;
        if (out != null) {
            outbound = null;
            ctx.write(out, null);
        }
        ctx.flush();
    }

    /**
     * Takes {@code data} (released once encrypted) into the batch of plaintext waiting to be encrypted. The batch is
     * encrypted at the next flush, when it holds a full record's worth ({@value #MAX_PLAINTEXT_RECORD} bytes), when
     * it is full ({@value #MAX_BATCH} writes) or at once for a write with a promise: small writes share records
     * instead of costing one record (and one cipher call) each.
     */
    private void encryptAndWrite(Buffer data, CompletableFuture<Void> promise) {
        int size = data.readableBytes();
        if (size == 0) {
            data.release();
        } else {
            // A write of a record or more goes alone (and what was gathered before it as a record of its own): its
            // records come straight from its memory, with no gathering in the engine (Conscrypt copies a
            // record gathered from several buffers).
            if (batchCount == batch.length || size >= MAX_PLAINTEXT_RECORD || inBatch(data)) {
                if (!encryptBatch(null)) {
                    data.release();
                    if (promise != null) {
                        promise.completeExceptionally(new ClosedChannelException());
                    }
                    return;
                }
            }
            batch[batchCount++] = data;
            batchBytes += size;
        }
        if ((promise != null || batchBytes >= MAX_PLAINTEXT_RECORD) && !encryptBatch(promise)) {
            return;
        }
        completeWhenWritten(promise);
    }

    /** The same buffer twice in one batch would share its reused NIO view; it is encrypted before it is added. */
    private boolean inBatch(Buffer data) {
        for (int i = 0; i < batchCount; i++) {
            if (batch[i] == data) {
                return true;
            }
        }
        return false;
    }

    /**
     * Encrypts the batch into {@link #outbound} with gathering wraps (each wrap fills one record from as many
     * writes as fit), handing full chunks on, and releases its buffers.
     *
     * @return {@code false} if the engine failed (the connection is failing; {@code promise} was failed too)
     */
    private boolean encryptBatch(CompletableFuture<Void> promise) {
        int n = batchCount;
        if (n == 0) {
            return true;
        }
        ByteBuffer[] srcs = batchNio;
        for (int i = 0; i < n; i++) {
            Buffer b = batch[i];
            srcs[i] = b.internalNioBuffer(b.readerIndex(), b.readableBytes());
        }
        int first = 0;
        int left = batchBytes;
        try {
            while (first < n) {
                Buffer out = outbound;
                if (out != null && out.isReadable() && out.writableBytes() < packetBufferSize) {
                    // Full for the engine (it wants room for a whole record): hand it on rather than grow it, which
                    // would copy the records already in it.
                    outbound = null;
                    ctx.write(out, null);
                    out = null;
                }
                if (out == null) {
                    int estimate = left + (left / (1 << 14) + 1) * 256;
                    out = ctx.alloc().allocate(Math.max(packetBufferSize, Math.min(estimate, OUTBOUND_CHUNK)));
                    outbound = out;
                }
                out.ensureWritable(packetBufferSize);
                ByteBuffer dst = out.internalNioBuffer(out.writerIndex(), out.writableBytes());
                SSLEngineResult r = n == 1 ? engine.wrap(srcs[0], dst) : engine.wrap(srcs, first, n - first, dst);
                out.writerIndex(out.writerIndex() + r.bytesProduced());
                left -= r.bytesConsumed();
                switch (r.getStatus()) {
                    case CLOSED -> throw new SSLException("TLS engine closed for output with " + left
                            + " bytes still to write");
                    case BUFFER_OVERFLOW -> packetBufferSize = Math.max(packetBufferSize * 2,
                            engine.getSession().getPacketBufferSize());
                    default -> {
                        if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
                            throw new SSLException("TLS engine made no progress wrapping " + left
                                    + " bytes (handshake status " + r.getHandshakeStatus() + ")");
                        }
                    }
                }
                if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                    // Post-handshake work (key update): rare and cheap, so run it here.
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                }
                while (first < n && !srcs[first].hasRemaining()) {
                    first++;
                }
                if (out.readableBytes() >= OUTBOUND_CHUNK) {
                    outbound = null;
                    ctx.write(out, null);
                }
            }
        } catch (SSLException e) {
            releaseBatch();
            if (promise != null) {
                promise.completeExceptionally(e);
            }
            fail(e);
            return false;
        }
        releaseBatch();
        return true;
    }

    /** Releases the batch's buffers, whether encrypted or not. */
    private void releaseBatch() {
        for (int i = 0; i < batchCount; i++) {
            batch[i].release();
            batch[i] = null;
            batchNio[i] = null;
        }
        batchCount = 0;
        batchBytes = 0;
    }

    /** Hands the encrypted bytes gathered so far on with {@code promise}, which completes once they are written. */
    private void completeWhenWritten(CompletableFuture<Void> promise) {
        if (promise != null && encryptBatch(promise)) {
            Buffer out = outbound;
            outbound = null;
            ctx.write(out != null ? out : ctx.alloc().allocate(0), promise);
        }
    }

    /** {@code INITIAL/HANDSHAKING/OPEN → CLOSING}: sends {@code close_notify}, then closes the channel. */
    @Override
    public void close(HandlerContext ctx, CompletableFuture<Void> promise) {
        if (state == State.CLOSED) {
            ctx.close(promise);
            return;
        }
        if (stopped()) {
            // Already closing: the close_notify is on its way; complete when the channel has closed.
            if (promise != null) {
                ctx.channel().closeFuture().whenComplete((v, t) -> promise.complete(null));
            }
            return;
        }
        boolean succeeded = handshakeSucceeded();
        state = State.CLOSING;
        ClosedChannelException closed = closedIfPending();
        failStreaming(closed);
        pending.failAll(closed);
        shutdown.fail(closed);
        if (!succeeded) {
            handshakeFailed(new TlsHandshakeException("channel closed locally before the TLS handshake completed"));
        }
        sendCloseNotifyAndClose(promise);
    }

    /**
     * Closes the engine's output, writes whatever it produces (a {@code close_notify} or a fatal alert) and closes
     * the channel once that is written, or after the close-notify timeout.
     */
    private void sendCloseNotifyAndClose(CompletableFuture<Void> promise) {
        cancelHandshakeTimer();
        if (state == State.CLOSING) {
            encryptBatch(null); // what was written before the close goes before the close_notify
        } else {
            releaseBatch();
        }
        Buffer pendingData = outbound;
        outbound = null;
        if (pendingData != null) {
            ctx.write(pendingData, null);
        }
        Buffer out = closeEngineOutbound();
        if (!out.isReadable() || !ctx.channel().isActive()) {
            out.release();
            ctx.flush();
            ctx.close(promise);
            return;
        }
        CompletableFuture<Void> written = new CompletableFuture<>();
        ctx.write(out, written);
        ctx.flush();
        if (written.isDone()) {
            ctx.close(promise);
            return;
        }
        long timeoutMillis = config.closeNotifyTimeoutMillis;
        ScheduledTask timeout = ctx.loop().schedule(() -> {
            log.debug("{}: close_notify not written within {} ms; closing anyway", ctx.channel(), timeoutMillis);
            ctx.close(promise);
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        written.whenComplete((v, t) -> {
            timeout.cancel();
            if (ctx.loop().inLoop()) {
                ctx.close(promise);
            } else {
                ctx.loop().execute(() -> ctx.close(promise));
            }
        });
    }

    /**
     * Closes the engine's output and returns what that produced: a {@code close_notify} (or fatal) alert, or an
     * empty buffer when the engine's output was already closed or it failed to produce one.
     */
    private Buffer closeEngineOutbound() {
        engine.closeOutbound();
        Buffer out = ctx.alloc().allocate(packetBufferSize);
        try {
            for (int i = 0; i < 8 && !engine.isOutboundDone(); i++) {
                out.ensureWritable(packetBufferSize);
                SSLEngineResult r = engine.wrap(EMPTY, out.internalNioBuffer(out.writerIndex(), out.writableBytes()));
                out.writerIndex(out.writerIndex() + r.bytesProduced());
                if (r.bytesProduced() == 0 && r.getStatus() != SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    break;
                }
            }
        } catch (SSLException | RuntimeException e) {
            log.debug("{}: could not produce the closing alert: {}", ctx.channel(), e.toString());
        }
        return out;
    }

    /**
     * Half-close ({@code OPEN}, {@code INITIAL} or {@code HANDSHAKING}): writes made before it are encrypted and
     * sent, then a {@code close_notify}, then the half-close goes on towards the channel (a TCP FIN once all is
     * written). Reading goes on, as TLS 1.3 allows (RFC 8446 section 6.1): a {@code close_notify} from the peer
     * then closes the channel. Later writes fail with a {@link ClosedChannelException}. Before the handshake
     * completes, the half-close waits for it, as queued writes do.
     */
    @Override
    public void shutdownOutput(HandlerContext ctx, CompletableFuture<Void> promise) {
        if (state == State.CLOSED) {
            ctx.shutdownOutput(promise);
            return;
        }
        if (stopped() || outputShutdownSent) {
            // Closing (the channel closes after our close_notify), or the half-close is on its way already.
            if (promise != null) {
                if (stopped()) {
                    ctx.channel().closeFuture().whenComplete((v, t) -> promise.complete(null));
                } else {
                    ctx.shutdownOutput(promise);
                }
            }
            return;
        }
        boolean first = !shutdown.isRequested();
        shutdown.add(promise);
        if (first && state == State.OPEN && streaming == null && pending.isEmpty()) {
            sendCloseNotifyAndShutdownOutput();
        }
        // Otherwise drainOutbound sends it once the handshake is done and the queued writes are encrypted.
    }

    private void sendCloseNotifyAndShutdownOutput() {
        outputShutdownSent = true;
        CompletableFuture<Void> promise = shutdown.take();
        if (!encryptBatch(null)) {
            // That failed the connection, which closes.
            if (promise != null) {
                promise.completeExceptionally(new ClosedChannelException());
            }
            return;
        }
        Buffer data = outbound;
        outbound = null;
        if (data != null) {
            ctx.write(data, null);
        }
        Buffer alert = closeEngineOutbound();
        if (alert.isReadable()) {
            ctx.write(alert, null);
        } else {
            alert.release();
        }
        log.debug("{}: sent close_notify; output shutting down, reading goes on", ctx.channel());
        ctx.flush();
        ctx.shutdownOutput(promise);
    }

    // ------------------------------------------------------------------ failure

    @Override
    public void exceptionCaught(HandlerContext ctx, Throwable cause) {
        if (closeNotifyReceived && cause instanceof java.io.IOException) {
            // The peer ended the session and may already have closed its socket, so our reply close_notify can
            // meet a reset or a broken pipe: expected, not an error of this connection.
            log.debug("{}: I/O error after the peer's close_notify: {}", ctx.channel(), cause.toString());
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    /**
     * Any state but {@code FAILED} {@code → FAILED} (or stays {@code CLOSED}): releases everything, reports
     * {@code cause} typed, sends the alert, closes.
     */
    private void fail(Throwable cause) {
        State before = state;
        if (before == State.FAILED) {
            return;
        }
        boolean succeeded = handshakeSucceeded();
        if (before != State.CLOSED) {
            state = State.FAILED;
        }
        TlsException error = classify(cause, succeeded);
        releaseInbound();
        releaseBatch();
        failStreaming(error);
        pending.failAll(error);
        if (!succeeded) {
            handshakeFailed(error);
        }
        if (before == State.CLOSED) {
            // Nobody to tell: the connection is already gone.
            log.debug("{}: TLS failed after the channel closed: {}", ctx.channel(), error.getMessage());
            return;
        }
        // Reported once, by whoever handles the exception (unhandled, the pipeline's tail logs a peer-caused
        // one as a single DEBUG line and a fault of this process, such as a bug wrapped here, at WARN).
        ctx.fireExceptionCaught(error);
        if (before != State.CLOSING && state != State.CLOSED) {
            sendCloseNotifyAndClose(null);
        }
    }

    private TlsException classify(Throwable cause, boolean handshakeSucceeded) {
        if (cause instanceof TlsException tls) {
            return tls;
        }
        String side = client ? "client" : "server";
        Object peer = ctx.channel().remoteAddress();
        if (cause instanceof SSLHandshakeException || (cause instanceof SSLException && !handshakeSucceeded)) {
            return new TlsHandshakeException("TLS handshake (" + side + " side, peer " + peer + ") failed: "
                    + cause.getMessage(), cause);
        }
        if (cause instanceof SSLException) {
            return new TlsException("TLS error (" + side + " side, peer " + peer + "): " + cause.getMessage(),
                    cause);
        }
        return new TlsException("TLS processing failed (" + side + " side, peer " + peer + "): " + cause, cause);
    }

    @Override
    public String toString() {
        return "TlsHandler(" + (client ? "client" : "server") + ", " + state + ")";
    }

    // ------------------------------------------------------------------ builder

    /** Makes the handler for {@link TlsHandlerBuilder#build()}. */
    static TlsHandler create(SSLEngine engine, TlsEngineConfig config) {
        return new TlsHandler(engine, config);
    }

    /**
     * The builder {@link #server} and {@link #client} return; its settings are those of
     * {@link TlsHandlerBuilder}.
     */
    public static final class Builder extends TlsHandlerBuilder<Builder> {
        private Builder(SSLContext context, boolean client) {
            super(context, client);
        }

        @Override
        Builder self() {
            return this;
        }
    }
}
