package io.weft.codec.http;

import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.Channel;
import io.weft.channel.TcpChannel;
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
 *   <li><b>Bad requests:</b> the typed {@link HttpDecoderException} is answered with its status (400, 413, 414,
 *       431, 501, 505) and {@code connection: close} after every earlier response, then the connection closes
 *       (output first, so the client reads the answer; the rest of its input is discarded). The exception is also
 *       fired as a user event, for handlers that count rejections. Other connections are unaffected.</li>
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

    private final HttpMessageEncoder encoder = new HttpMessageEncoder();
    /** Flags of requests not yet answered, oldest first (a ring). */
    private int[] pending = new int[8];
    private int pendingHead;
    private int pendingSize;
    private int decodingFlags;
    private boolean responding;
    private boolean closeAfterResponse;
    private boolean closing;
    private HttpDecoderException deferredError;

    /** A codec with {@link HttpDecoderConfig#DEFAULT} limits. */
    public HttpServerCodec() {
        this(HttpDecoderConfig.DEFAULT);
    }

    /** A codec with the given limits. */
    public HttpServerCodec(HttpDecoderConfig config) {
        super(config);
        closeOnFailure(false);
    }

    // ------------------------------------------------------------------ inbound

    @Override
    void onMessage(HandlerContext ctx, HttpMessage msg) {
        HttpRequest request = (HttpRequest) msg;
        int flags = 0;
        if (request.isKeepAlive()) {
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
            if (pendingSize > 0) {
                // The broken request is the newest one: the error response is its answer.
                pendingSize--;
            } else if (responding) {
                // The application is already answering the request whose body broke: nothing sensible can
                // follow that answer, so end the connection once what is queued has been written.
                closing = true;
                discardInput();
                ctx.flush();
                ctx.channel().close();
                return;
            }
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
                lingerClose(ctx);
            });
            closing = true;
            discardInput();
            encoder.write(ctx, msg, written, bodyless);
        } else {
            encoder.write(ctx, msg, promise, bodyless);
        }
        if (last) {
            responding = false;
            HttpDecoderException error = deferredError;
            if (error != null && pendingSize == 0 && !closing) {
                deferredError = null;
                sendError(ctx, error);
            }
        }
    }

    /** Matches {@code response} with its request and fixes its framing headers; returns whether it is bodiless. */
    private boolean prepare(HttpResponse response) {
        int flags = pop();
        if (flags < 0) {
            flags = KEEP_ALIVE;
        }
        HttpHeaders h = response.headers();
        int code = response.status().code();
        boolean keepAlive = (flags & KEEP_ALIVE) != 0
                && !h.containsToken(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        boolean http10 = (flags & HTTP_1_0) != 0;
        boolean bodyless = (flags & HEAD) != 0 || code == 204 || code == 304;
        boolean full = response instanceof FullHttpResponse;
        if (http10 && h.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            // HTTP/1.0 has no chunked coding: send the body raw and end it by closing.
            h.remove(HttpHeaderNames.TRANSFER_ENCODING);
            if (!full) {
                keepAlive = false;
            }
        }
        if (full) {
            if (code != 204 && code != 304) {
                HttpMessageEncoder.addContentLengthIfMissing(response, ((FullHttpResponse) response).content());
            }
        } else if (!bodyless && !h.contains(HttpHeaderNames.CONTENT_LENGTH)
                && !h.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            if (http10) {
                keepAlive = false;
            } else {
                h.addUnchecked(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        }
        if (!keepAlive) {
            if (!h.containsToken(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
        } else if (http10) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        closeAfterResponse = !keepAlive;
        responding = true;
        return bodyless;
    }

    private void sendError(HandlerContext ctx, HttpDecoderException error) {
        HttpResponseStatus status = error.status();
        Buffer body = ctx.alloc().copyOf(status.code() + " " + status.reasonPhrase() + "\n",
                StandardCharsets.US_ASCII);
        FullHttpResponse response = new FullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers().addUnchecked(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=us-ascii");
        response.headers().addUnchecked(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.readableBytes()));
        response.headers().addUnchecked(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        closing = true;
        discardInput();
        CompletableFuture<Void> written = new CompletableFuture<>();
        written.whenComplete((v, t) -> lingerClose(ctx));
        encoder.write(ctx, response, written, false);
        ctx.flush();
    }

    /**
     * Closes after the last response: output first (so the client reads everything even if it is still
     * sending), input is discarded until the client closes or {@link #LINGER_MILLIS} pass.
     */
    private void lingerClose(HandlerContext ctx) {
        if (!ctx.channel().isOpen()) {
            return;
        }
        Channel channel = ctx.channel();
        if (channel instanceof TcpChannel tcp) {
            tcp.shutdownOutput().whenComplete((v, t) -> {
                if (t != null || !channel.isOpen()) {
                    channel.close();
                    return;
                }
                ScheduledTask timer = channel.loop().schedule(channel::close, LINGER_MILLIS, TimeUnit.MILLISECONDS);
                channel.closeFuture().whenComplete((x, y) -> timer.cancel());
            });
        } else {
            channel.close();
        }
    }

    /** {@code "http/1.1"} and {@code "http/1.0"}: a TLS handler in front of this codec negotiates nothing else. */
    @Override
    public java.util.Set<String> supportedApplicationProtocols() {
        return java.util.Set.of("http/1.1", "http/1.0");
    }
}
