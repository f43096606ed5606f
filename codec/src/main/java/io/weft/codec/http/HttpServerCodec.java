package io.weft.codec.http;

import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.Channel;
import io.weft.channel.ChannelOption;
import io.weft.channel.TcpChannel;
import io.weft.codec.tls.TlsHandler;
import io.weft.loop.ScheduledTask;
import io.weft.pipeline.HandlerContext;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of HTTP/1.1 in one stage: decodes requests (as {@link HttpRequestDecoder}), encodes responses,
 * and runs the connection by RFC 9112:
 * <ul>
 *   <li><b>Keep-alive:</b> HTTP/1.1 connections stay open unless the request or the response says
 *       {@code connection: close}; HTTP/1.0 ones only with {@code connection: keep-alive}. The response gets the
 *       matching {@code connection} field, and the connection closes once the last response is written.</li>
 *   <li><b>Pipelining:</b> requests are decoded as they arrive; write one response per request, in request
 *       order. Each response is matched with its request (HEAD responses get no body).</li>
 *   <li><b>Framing:</b> a {@link FullHttpResponse} without {@code content-length} gets one; a streamed
 *       {@link HttpResponse} with neither length nor {@code transfer-encoding} is sent chunked to HTTP/1.1 clients
 *       and delimited by closing the connection for HTTP/1.0 ones.</li>
 *   <li><b>{@code Expect: 100-continue}:</b> answered with {@code 100 Continue} when the announced body is within
 *       the limit (413 otherwise); other expectations get 417.</li>
 *   <li><b>Bad requests:</b> the typed {@link HttpDecoderException} is answered with its status (400, 408, 413,
 *       414, 417, 431, 501, 505), {@code date}, {@code content-length} and {@code connection: close} after every
 *       earlier response, then the connection closes (output first, so the client reads the answer; the rest of
 *       its input is discarded). If the application has already started answering the broken request (its body
 *       turned out malformed), no second response is sent: the connection just closes. The exception is also
 *       fired as a user event, for handlers that count rejections. Other connections are unaffected.</li>
 *   <li><b>{@code date}:</b> every final response without a {@code date} field gets one (RFC 9110 section
 *       6.6.1), from {@link HttpDate#now()}, read once per read of the connection (the responses to one batch
 *       of pipelined requests share it), so an application need not add one.</li>
 *   <li><b>Slow and idle clients</b> ({@link HttpServerConfig}): a request head must arrive within the head
 *       timeout and a body must keep moving (408, then close); an idle keep-alive connection is closed after the
 *       keep-alive timeout; after {@code maxRequestsPerConnection} requests the connection closes.</li>
 *   <li><b>Bounded pipelining:</b> while {@code maxPendingResponses} requests await their response, or while the
 *       channel is not writable (the client does not read), the codec stops reading and decoding; it resumes as
 *       responses are written and drain.</li>
 * </ul>
 *
 * <pre>{@code
 * ch.pipeline().addLast("http", new HttpServerCodec())
 *              .addLast("app", new MyHandler()); // sees HttpRequest, HttpContent..., LastHttpContent
 * }</pre>
 *
 * <p>Runs on the channel's loop; one instance per connection.
 */
public class HttpServerCodec extends HttpRequestDecoder
        implements io.weft.codec.tls.ApplicationProtocolSupport {

    private static final Logger log = LoggerFactory.getLogger(HttpServerCodec.class);
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final long LINGER_MILLIS = 2000;

    private static final int KEEP_ALIVE = 1;
    private static final int HEAD = 2;
    private static final int HTTP_1_0 = 4;
    /** The request itself was the client's last: {@code connection: close}, or HTTP/1.0 without keep-alive. */
    private static final int CLIENT_CLOSE = 8;

    private final HttpServerConfig serverConfig;
    private final HttpMessageEncoder encoder = new HttpMessageEncoder(true);
    private HandlerContext ctx;
    /** Flags of requests not yet answered, oldest first (a ring; at most maxPendingResponses + 1). */
    private int[] pending = new int[8];
    private int pendingHead;
    private int pendingSize;
    private int decodingFlags;
    private long requestsDecoded;
    private boolean responding;
    private boolean closeAfterResponse;
    /** The response being written answers a request that said it was the client's last. */
    private boolean clientClosing;
    private boolean closing;
    private HttpDecoderException deferredError;

    // Bounded pipelining.
    private boolean paused;
    private boolean autoReadTurnedOff;
    private boolean readHeld;
    private boolean resumeScheduled;
    private final Runnable resumeTask = this::resumeDecoding;

    // Timeouts: one loop timer per connection that looks at the connection's phase when it fires.
    private final long timerPeriodNanos;
    private ScheduledTask timer;
    private final Runnable timerTask = this::onTimer;
    private long lastReadNanos;
    /** See {@link #responseDate()}; null until a response of the current read needs it. */
    private String readDate;
    private long headStartNanos;
    private long lastActivityNanos;
    /** Whether a read that stamped {@link #lastReadNanos} is being decoded (synchronous answers happen inside it). */
    private boolean inRead;

    /** A codec with {@link HttpDecoderConfig#DEFAULT} limits and {@link HttpServerConfig#DEFAULT} timeouts. */
    public HttpServerCodec() {
        this(HttpDecoderConfig.DEFAULT, HttpServerConfig.DEFAULT);
    }

    /** A codec with the given limits and {@link HttpServerConfig#DEFAULT} timeouts. */
    public HttpServerCodec(HttpDecoderConfig config) {
        this(config, HttpServerConfig.DEFAULT);
    }

    /** A codec with the given limits, timeouts and pipelining bound. */
    public HttpServerCodec(HttpDecoderConfig config, HttpServerConfig serverConfig) {
        super(config);
        this.serverConfig = java.util.Objects.requireNonNull(serverConfig, "serverConfig");
        this.timerPeriodNanos = TimeUnit.MILLISECONDS.toNanos(serverConfig.shortestTimeoutMillis());
        closeOnFailure(false);
    }

    /** Requests decoded and not yet answered (for tests and diagnostics). Loop thread only. */
    int pendingResponses() {
        return pendingSize;
    }

    /** Whether reading is paused because too many responses are pending or the channel is not writable. */
    boolean isPaused() {
        return paused;
    }

    // ------------------------------------------------------------------ lifecycle and timers

    @Override
    public void handlerAdded(HandlerContext ctx) throws Exception {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            startTimer();
        }
    }

    @Override
    public void channelActive(HandlerContext ctx) throws Exception {
        startTimer();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(HandlerContext ctx) throws Exception {
        stopTimer();
        encoder.discard();
        super.channelInactive(ctx);
    }

    @Override
    protected void handlerRemoved0(HandlerContext ctx) throws Exception {
        stopTimer();
        encoder.drain(ctx);
    }

    @Override
    public void channelRead(HandlerContext ctx, Object msg) throws Exception {
        if (timerPeriodNanos == 0 || !(msg instanceof Buffer)) {
            super.channelRead(ctx, msg);
            return;
        }
        lastReadNanos = now();
        readDate = null;
        boolean nested = inRead;
        inRead = true;
        try {
            super.channelRead(ctx, msg);
        } finally {
            inRead = nested;
        }
    }

    /**
     * The time of an event that happens while a read is being decoded (a head starts, the application answers
     * synchronously): the read's own time, taken once per read instead of once per request; the clock otherwise.
     */
    private long eventNanos() {
        return inRead ? lastReadNanos : now();
    }

    /**
     * The {@code date} for a response prepared while a read is being decoded: {@link HttpDate#now()} taken once per
     * read (pipelined requests answered in one batch share it, as they share {@link #lastReadNanos}); the clock
     * otherwise.
     */
    private String responseDate() {
        if (!inRead) {
            return HttpDate.now();
        }
        String date = readDate;
        if (date == null) {
            date = HttpDate.now();
            readDate = date;
        }
        return date;
    }

    /** The loop's clock (virtual on an embedded loop, so tests can advance it). */
    private long now() {
        return ctx.channel().loop().nanoTime();
    }

    private void startTimer() {
        if (timer != null || timerPeriodNanos == 0) {
            return;
        }
        long now = now();
        lastReadNanos = now;
        lastActivityNanos = now;
        timer = ctx.channel().loop().schedule(timerTask, timerPeriodNanos, TimeUnit.NANOSECONDS);
    }

    private void stopTimer() {
        ScheduledTask t = timer;
        timer = null;
        if (t != null) {
            t.cancel();
        }
    }

    @Override
    void onHeadStart() {
        if (timerPeriodNanos > 0) {
            headStartNanos = eventNanos();
        }
    }

    /**
     * Looks at what the connection is doing and whether it has been doing it for too long. Fires at least every
     * {@link HttpServerConfig#shortestTimeoutMillis()} and exactly at the deadline of the phase it sees, so a
     * phase change never needs a timer of its own.
     */
    private void onTimer() {
        timer = null;
        Channel channel = ctx.channel();
        if (!channel.isOpen() || closing || ctx.isRemoved()) {
            return;
        }
        long now = now();
        long timeout = 0;
        long since = now;
        String what = null;
        if (paused) {
            lastActivityNanos = now;
        } else if (inHead()) {
            timeout = serverConfig.requestHeadTimeoutMillis();
            since = headStartNanos;
            what = "request head";
        } else if (inBody()) {
            if (!channel.option(ChannelOption.AUTO_READ)) {
                lastReadNanos = now; // the application holds the body back: not the client's fault
            }
            timeout = serverConfig.bodyReadTimeoutMillis();
            since = lastReadNanos;
            what = "request body";
        } else if (betweenMessages() && pendingSize == 0 && !responding && outboundEmpty(channel)) {
            timeout = requestsDecoded == 0 ? serverConfig.requestHeadTimeoutMillis()
                    : serverConfig.keepAliveTimeoutMillis();
            since = lastActivityNanos;
            what = requestsDecoded == 0 ? "first request" : "keep-alive";
        } else {
            lastActivityNanos = now; // waiting for the application or for the client to read
        }
        long delay = timerPeriodNanos;
        if (timeout > 0) {
            long left = since + TimeUnit.MILLISECONDS.toNanos(timeout) - now;
            if (left <= 0) {
                timedOut(what, timeout);
                return;
            }
            delay = Math.min(delay, left);
        }
        timer = channel.loop().schedule(timerTask, delay, TimeUnit.NANOSECONDS);
    }

    private static boolean outboundEmpty(Channel channel) {
        return channel instanceof TcpChannel tcp ? tcp.pendingOutboundBytes() == 0 : channel.isWritable();
    }

    private void timedOut(String what, long timeoutMillis) {
        if (betweenMessages()) {
            // Nothing of a request has arrived: close quietly (an answer could race a request the client sends).
            log.debug("{}: closing after {} ms without a request ({} timeout)", ctx.channel(), timeoutMillis, what);
            closing = true;
            discardInput();
            encoder.drain(ctx);
            ctx.close();
            return;
        }
        failDecoding(ctx, new HttpDecoderException(HttpResponseStatus.REQUEST_TIMEOUT,
                what + " not received within the timeout of " + timeoutMillis + " ms"));
    }

    // ------------------------------------------------------------------ bounded pipelining

    @Override
    boolean mayStartMessage(HandlerContext ctx) {
        if (paused) {
            return false;
        }
        if (pendingSize >= serverConfig.maxPendingResponses() || !ctx.channel().isWritable()) {
            pause();
            return false;
        }
        return true;
    }

    private void pause() {
        paused = true;
        Channel channel = ctx.channel();
        if (channel.isOpen() && channel.option(ChannelOption.AUTO_READ)) {
            autoReadTurnedOff = true;
            channel.setOption(ChannelOption.AUTO_READ, false);
        }
    }

    private void maybeResume() {
        if (!paused || closing) {
            return;
        }
        Channel channel = ctx.channel();
        if (pendingSize >= serverConfig.maxPendingResponses() || !channel.isWritable()) {
            return;
        }
        paused = false;
        if (autoReadTurnedOff) {
            autoReadTurnedOff = false;
            channel.setOption(ChannelOption.AUTO_READ, true);
        }
        if (readHeld) {
            readHeld = false;
            ctx.read();
        }
        if (!resumeScheduled) {
            // Decode what is buffered from a fresh loop task: never from inside the write that drained the queue.
            resumeScheduled = true;
            channel.loop().execute(resumeTask);
        }
    }

    private void resumeDecoding() {
        resumeScheduled = false;
        if (paused || closing || ctx.isRemoved() || !ctx.channel().isOpen() || bufferedBytes() == 0) {
            return;
        }
        try {
            channelRead(ctx, ctx.alloc().allocate(0));
        } catch (Exception e) {
            ctx.fireExceptionCaught(e);
            return;
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void read(HandlerContext ctx) throws Exception {
        if (paused) {
            readHeld = true;
            return;
        }
        ctx.read();
    }

    @Override
    public void writabilityChanged(HandlerContext ctx) throws Exception {
        maybeResume();
        ctx.fireWritabilityChanged();
    }

    // ------------------------------------------------------------------ inbound

    @Override
    void onMessage(HandlerContext ctx, HttpMessage msg) {
        HttpRequest request = (HttpRequest) msg;
        int flags = 0;
        requestsDecoded++;
        if (!request.isKeepAlive()) {
            flags |= CLIENT_CLOSE;
        } else if (requestsDecoded < serverConfig.maxRequestsPerConnection()) {
            flags |= KEEP_ALIVE;
        }
        if (request.method() == HttpMethod.HEAD) {
            flags |= HEAD;
        }
        if (request.version() == HttpVersion.HTTP_1_0) {
            flags |= HTTP_1_0;
        }
        String expect = request.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null && request.version() == HttpVersion.HTTP_1_1) {
            if (!expect.trim().equalsIgnoreCase(HttpHeaderValues.CONTINUE)) {
                throw new HttpDecoderException(HttpResponseStatus.EXPECTATION_FAILED,
                        "unsupported expectation \"" + expect + "\"");
            }
            if (pendingSize == 0 && !responding && request.contentLength() != 0) {
                // The body is within the limit (the parser checked content-length): ask for it.
                encoder.drain(ctx);
                ctx.write(ctx.alloc().copyOf(CONTINUE));
                ctx.flush();
            }
        }
        decodingFlags = flags;
        push(flags);
    }

    @Override
    void onMessageEnd(HandlerContext ctx) {
        if ((decodingFlags & KEEP_ALIVE) == 0) {
            // No request after a non-persistent one is answered (RFC 9112 section 9.6).
            discardInput();
        }
    }

    @Override
    void onBadMessage(HandlerContext ctx, HttpDecoderException error, boolean midMessage) {
        log.debug("{}: rejecting request with {}: {}", ctx.channel(), error.status(), error.getMessage());
        ctx.fireUserEvent(error);
        if (midMessage) {
            if (pendingSize == 0) {
                // The application has already answered (or is answering) the request whose body broke: a second
                // response would be paired with the client's next request. End the connection instead, after
                // what is queued (a complete answer) or at once (an answer cut short).
                closing = true;
                discardInput();
                encoder.drain(ctx);
                ctx.flush();
                if (responding) {
                    ctx.close();
                } else {
                    lingerClose(ctx);
                }
                return;
            }
            // The broken request is the newest pending one: the error response is its answer.
            pendingSize--;
        }
        if (pendingSize == 0 && !responding) {
            sendError(ctx, error);
        } else {
            deferredError = error;
        }
    }

    private void push(int flags) {
        if (pendingSize == pending.length) {
            int[] bigger = new int[pending.length << 1];
            for (int i = 0; i < pendingSize; i++) {
                bigger[i] = pending[(pendingHead + i) & (pending.length - 1)];
            }
            pending = bigger;
            pendingHead = 0;
        }
        pending[(pendingHead + pendingSize) & (pending.length - 1)] = flags;
        pendingSize++;
    }

    private int pop() {
        if (pendingSize == 0) {
            return -1;
        }
        int flags = pending[pendingHead];
        pendingHead = (pendingHead + 1) & (pending.length - 1);
        pendingSize--;
        return flags;
    }

    // ------------------------------------------------------------------ outbound

    @Override
    public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) throws Exception {
        // Class checks, not the HttpObject interface: on JDK 17 alternating interface checks on one class thrash
        // its secondary-supers cache across loop threads (JDK-8180450).
        if (!(msg instanceof HttpMessage) && !(msg instanceof HttpContent)) {
            encoder.drain(ctx);
            ctx.write(msg, promise);
            return;
        }
        if (closing) {
            ReferenceCounted.safeRelease(msg);
            if (promise != null) {
                promise.completeExceptionally(new ClosedChannelException());
            }
            return;
        }
        boolean bodyless = false;
        if (msg instanceof HttpResponse response) {
            int code = response.status().code();
            if (code < 200 && code != 101) {
                encoder.write(ctx, msg, promise, true);
                return;
            }
            bodyless = prepare(response);
        }
        boolean last = msg instanceof FullHttpResponse || msg instanceof LastHttpContent;
        if (last && closeAfterResponse) {
            CompletableFuture<Void> written = new CompletableFuture<>();
            written.whenComplete((v, t) -> {
                if (promise != null) {
                    if (t == null) {
                        promise.complete(null);
                    } else {
                        promise.completeExceptionally(t);
                    }
                }
                closeAfterLastResponse(ctx);
            });
            closing = true;
            if (inBody()) {
                clientClosing = false; // answered before its body arrived: the client is still sending
            }
            discardInput();
            encoder.write(ctx, msg, written, bodyless);
        } else {
            encoder.write(ctx, msg, promise, bodyless);
        }
        if (last) {
            responding = false;
            if (timerPeriodNanos > 0) {
                lastActivityNanos = eventNanos();
            }
            HttpDecoderException error = deferredError;
            if (error != null && pendingSize == 0 && !closing) {
                deferredError = null;
                sendError(ctx, error);
            }
        }
        if (paused) {
            maybeResume();
        }
    }

    /**
     * Passes on the responses gathered since the last flush (complete small responses written without a promise
     * leave as one buffer per flush), then flushes.
     */
    @Override
    public void flush(HandlerContext ctx) throws Exception {
        encoder.drain(ctx);
        ctx.flush();
    }

    @Override
    public void close(HandlerContext ctx, CompletableFuture<Void> promise) throws Exception {
        encoder.drain(ctx);
        super.close(ctx, promise);
    }

    /** Responses gathered for one write go out before the half-close. */
    @Override
    public void shutdownOutput(HandlerContext ctx, CompletableFuture<Void> promise) {
        encoder.drain(ctx);
        ctx.flush();
        ctx.shutdownOutput(promise);
    }

    /** Matches {@code response} with its request and fixes its framing headers; returns whether it is bodiless. */
    private boolean prepare(HttpResponse response) {
        int flags = pop();
        if (flags < 0) {
            flags = KEEP_ALIVE;
        }
        HttpHeaders h = response.headers();
        int code = response.status().code();
        int present = h.framingFields(); // one pass instead of a scan per field looked for
        boolean keepAlive = (flags & KEEP_ALIVE) != 0 && (present & HttpHeaders.CONNECTION_CLOSE) == 0;
        boolean http10 = (flags & HTTP_1_0) != 0;
        boolean bodyless = (flags & HEAD) != 0 || code == 204 || code == 304;
        boolean full = response instanceof FullHttpResponse;
        if (http10 && (present & HttpHeaders.HAS_TRANSFER_ENCODING) != 0) {
            // HTTP/1.0 has no chunked coding: send the body raw and end it by closing.
            h.remove(HttpHeaderNames.TRANSFER_ENCODING);
            present &= ~HttpHeaders.HAS_TRANSFER_ENCODING;
            if (!full) {
                keepAlive = false;
            }
        }
        boolean framed = (present & (HttpHeaders.HAS_CONTENT_LENGTH | HttpHeaders.HAS_TRANSFER_ENCODING)) != 0;
        if (full) {
            if (code != 204 && code != 304 && !framed) {
                HttpMessageEncoder.addContentLength(h, ((FullHttpResponse) response).content());
            }
        } else if (!bodyless && !framed) {
            if (http10) {
                keepAlive = false;
            } else {
                h.addUnchecked(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        }
        if ((present & HttpHeaders.HAS_DATE) == 0) {
            h.addUnchecked(HttpHeaderNames.DATE, responseDate());
        }
        if (!keepAlive) {
            if ((present & HttpHeaders.CONNECTION_CLOSE) == 0) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
        } else if (http10) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        closeAfterResponse = !keepAlive;
        clientClosing = (flags & CLIENT_CLOSE) != 0;
        responding = true;
        return bodyless;
    }

    private void sendError(HandlerContext ctx, HttpDecoderException error) {
        FullHttpResponse response = HttpResponses.errorAndClose(ctx.alloc(), error.status());
        closing = true;
        discardInput();
        CompletableFuture<Void> written = new CompletableFuture<>();
        written.whenComplete((v, t) -> lingerClose(ctx));
        encoder.write(ctx, response, written, false);
        ctx.flush();
    }

    /**
     * Ends the connection after the response to a non-persistent request. When the client said that request was its
     * last, all of it had arrived when the response ended, and nothing followed it, the client will send nothing
     * more (RFC 9112 section 9.6: it MUST NOT), so there is no reset to avoid: close at once, freeing the connection
     * without a linger (behind TLS, after a {@code close_notify}). Otherwise (the server ends a persistent
     * connection, the request's body was still arriving, or bytes followed the last request) the client may still
     * be sending: {@link #lingerClose}.
     */
    private void closeAfterLastResponse(HandlerContext ctx) {
        if (clientClosing && !discardedInput() && bufferedBytes() == 0) {
            if (ctx.channel().isOpen()) {
                ctx.close(null);
            }
        } else {
            lingerClose(ctx);
        }
    }

    /**
     * Closes after the last response: output first (so the client reads everything even if it is still
     * sending), input is discarded until the client closes or {@link #LINGER_MILLIS} pass. The half-close goes
     * through the pipeline, so a {@link TlsHandler} in front sends its {@code close_notify} before the TCP FIN
     * (RFC 8446 section 6.1); a channel without a half-close is closed at once.
     */
    private void lingerClose(HandlerContext ctx) {
        Channel channel = ctx.channel();
        if (!channel.isOpen()) {
            return;
        }
        CompletableFuture<Void> shutdown = new CompletableFuture<>();
        ctx.shutdownOutput(shutdown);
        shutdown.whenComplete((v, t) -> {
            if (t != null || !channel.isOpen()) {
                channel.close();
                return;
            }
            ScheduledTask timer = channel.loop().schedule(channel::close, LINGER_MILLIS, TimeUnit.MILLISECONDS);
            channel.closeFuture().whenComplete((x, y) -> timer.cancel());
        });
    }

    /** {@code "http/1.1"} and {@code "http/1.0"}: a TLS handler in front of this codec negotiates nothing else. */
    @Override
    public java.util.Set<String> supportedApplicationProtocols() {
        return java.util.Set.of("http/1.1", "http/1.0");
    }
}
