package io.weft.codec.http;

import io.weft.buffer.Buffer;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects a message head and its body parts into one {@link FullHttpRequest} or {@link FullHttpResponse}, for
 * handlers that want whole messages. The body may be at most {@code maxContentLength} bytes: a request over it is
 * answered with {@code 413 Content Too Large} and the connection closes (after the answer); a response over it
 * fires a {@link TooLongHttpContentException} and closes. The aggregated message carries a
 * {@code content-length} instead of {@code transfer-encoding: chunked}, and the trailers of a chunked body.
 *
 * <p>Place it after {@link HttpServerCodec} or {@link HttpClientCodec}. Runs on the channel's loop; one instance
 * per connection.
 */
public class HttpObjectAggregator implements Handler {

    private static final Logger log = LoggerFactory.getLogger(HttpObjectAggregator.class);

    private final int maxContentLength;
    private HttpMessage head;
    private Buffer body;
    private boolean discarding;

    /** @param maxContentLength the largest body collected, in bytes */
    public HttpObjectAggregator(int maxContentLength) {
        if (maxContentLength < 0) {
            throw new IllegalArgumentException("maxContentLength " + maxContentLength + " must be >= 0");
        }
        this.maxContentLength = maxContentLength;
    }

    @Override
    public void channelRead(HandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpMessage message) {
            if (msg instanceof FullHttpRequest || msg instanceof FullHttpResponse) {
                ctx.fireChannelRead(msg);
                return;
            }
            discarding = false;
            releaseBody();
            long length = message.contentLength();
            if (length > maxContentLength) {
                tooLarge(ctx, message, length);
                return;
            }
            head = message;
            return;
        }
        if (!(msg instanceof HttpContent content)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (discarding || head == null) {
            content.release();
            return;
        }
        int readable = content.readableBytes();
        long total = (body == null ? 0 : body.readableBytes()) + (long) readable;
        if (total > maxContentLength) {
            content.release();
            HttpMessage message = head;
            head = null;
            releaseBody();
            tooLarge(ctx, message, total);
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (readable > 0) {
            if (body == null && last) {
                body = content.content();
            } else {
                if (body == null) {
                    long announced = head.contentLength();
                    int initial = announced > 0 ? (int) announced : Math.max(readable, 1024);
                    body = ctx.alloc().allocate(initial, maxContentLength);
                }
                body.writeBytes(content.content());
                content.release();
            }
        } else {
            content.release();
        }
        if (last) {
            HttpMessage message = head;
            Buffer content0 = body != null ? body : ctx.alloc().allocate(0);
            head = null;
            body = null;
            HttpHeaders trailers = ((LastHttpContent) content).hasTrailers()
                    ? ((LastHttpContent) content).trailers() : null;
            HttpHeaders h = message.headers();
            if (h.remove(HttpHeaderNames.TRANSFER_ENCODING) || !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                h.set(HttpHeaderNames.CONTENT_LENGTH, content0.readableBytes());
            }
            if (message instanceof HttpRequest r) {
                ctx.fireChannelRead(new FullHttpRequest(r.version(), r.method(), r.target(), h, content0, trailers));
            } else {
                HttpResponse r = (HttpResponse) message;
                ctx.fireChannelRead(new FullHttpResponse(r.version(), r.status(), h, content0, trailers));
            }
        }
    }

    private void tooLarge(HandlerContext ctx, HttpMessage message, long size) {
        discarding = true;
        TooLongHttpContentException error = new TooLongHttpContentException("body of at least " + size
                + " bytes exceeds the aggregation limit of " + maxContentLength);
        if (message instanceof HttpRequest) {
            log.debug("{}: answering 413: {}", ctx.channel(), error.getMessage());
            ctx.fireUserEvent(error);
            Buffer text = ctx.alloc().copyOf("413 Content Too Large\n", java.nio.charset.StandardCharsets.US_ASCII);
            FullHttpResponse response = new FullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.CONTENT_TOO_LARGE, text);
            response.headers().addUnchecked(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=us-ascii");
            response.headers().addUnchecked(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response);
        } else {
            ctx.fireExceptionCaught(error);
            ctx.close(null);
        }
    }

    private void releaseBody() {
        Buffer b = body;
        body = null;
        if (b != null) {
            b.release();
        }
    }

    @Override
    public void channelInactive(HandlerContext ctx) throws Exception {
        head = null;
        releaseBody();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(HandlerContext ctx) {
        head = null;
        releaseBody();
    }
}
