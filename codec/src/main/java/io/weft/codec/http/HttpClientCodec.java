package io.weft.codec.http;

import io.weft.pipeline.HandlerContext;
import java.util.concurrent.CompletableFuture;

/**
 * The client side of HTTP/1.1 in one stage: encodes requests and decodes the responses (as
 * {@link HttpResponseDecoder}), pairing each response with its request so that answers to {@code HEAD} are read
 * without a body. Requests may be pipelined; responses arrive in order. Interim 1xx responses (such as
 * {@code 100 Continue}) are passed on as their own {@link HttpResponse} plus {@link LastHttpContent}.
 *
 * <p>Framing of outbound requests: a {@link FullHttpRequest} without {@code content-length} gets one when it has a
 * body (or is a POST, PUT or PATCH); a streamed {@link HttpRequest} with neither length nor
 * {@code transfer-encoding} is sent chunked.
 *
 * <p>A malformed response fires a typed {@link HttpDecoderException} and closes the connection. Runs on the
 * channel's loop; one instance per connection.
 */
public class HttpClientCodec extends HttpResponseDecoder
        implements io.weft.codec.tls.ApplicationProtocolSupport {

    private final HttpMessageEncoder encoder = new HttpMessageEncoder();
    /** Whether each sent request (oldest first) was a HEAD: a ring of booleans. */
    private boolean[] sentHead = new boolean[8];
    private int sentFirst;
    private int sentSize;
    private boolean interim;

    /** A codec with {@link HttpDecoderConfig#DEFAULT} limits. */
    public HttpClientCodec() {
        this(HttpDecoderConfig.DEFAULT);
    }

    /** A codec with the given limits. */
    public HttpClientCodec(HttpDecoderConfig config) {
        super(config);
    }

    @Override
    boolean isHeadResponse() {
        return sentSize > 0 && sentHead[sentFirst];
    }

    @Override
    void onMessage(HandlerContext ctx, HttpMessage msg) {
        int code = ((HttpResponse) msg).status().code();
        interim = code < 200 && code != 101;
    }

    @Override
    void onMessageEnd(HandlerContext ctx) {
        if (!interim && sentSize > 0) {
            sentFirst = (sentFirst + 1) & (sentHead.length - 1);
            sentSize--;
        }
    }

    @Override
    public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) throws Exception {
        if (msg instanceof HttpRequest request) {
            HttpHeaders h = request.headers();
            boolean framed = h.hasFramingField();
            if (request instanceof FullHttpRequest full) {
                HttpMethod m = request.method();
                if (!framed && (full.content().isReadable() || m == HttpMethod.POST || m == HttpMethod.PUT
                        || m == HttpMethod.PATCH)) {
                    HttpMessageEncoder.addContentLengthIfMissing(request, full.content());
                }
            } else if (!framed && request.version() == HttpVersion.HTTP_1_1) {
                h.addUnchecked(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
            push(request.method() == HttpMethod.HEAD);
        }
        encoder.write(ctx, msg, promise, false);
    }

    private void push(boolean head) {
        if (sentSize == sentHead.length) {
            boolean[] bigger = new boolean[sentHead.length << 1];
            for (int i = 0; i < sentSize; i++) {
                bigger[i] = sentHead[(sentFirst + i) & (sentHead.length - 1)];
            }
            sentHead = bigger;
            sentFirst = 0;
        }
        sentHead[(sentFirst + sentSize) & (sentHead.length - 1)] = head;
        sentSize++;
    }

    /** {@code "http/1.1"} and {@code "http/1.0"}: a TLS handler in front of this codec negotiates nothing else. */
    @Override
    public java.util.Set<String> supportedApplicationProtocols() {
        return java.util.Set.of("http/1.1", "http/1.0");
    }
}
