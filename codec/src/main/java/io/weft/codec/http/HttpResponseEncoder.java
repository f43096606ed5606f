package io.weft.codec.http;

import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.util.concurrent.CompletableFuture;

/**
 * Encodes outbound {@link HttpResponse}s, {@link HttpContent}s and {@link FullHttpResponse}s into bytes; other
 * messages (buffers, file regions) pass through, so a {@code FileRegion} can carry a content-length body between
 * the head and the {@link LastHttpContent}. The body is framed as the response's headers say; a
 * {@link FullHttpResponse} without {@code content-length} or {@code transfer-encoding} gets a
 * {@code content-length}. It knows nothing of the request: {@link HttpServerCodec} adds keep-alive handling and
 * bodiless answers to {@code HEAD}.
 *
 * <p>Runs on the channel's loop; one instance per connection.
 */
public class HttpResponseEncoder implements Handler {

    private final HttpMessageEncoder encoder = new HttpMessageEncoder();

    @Override
    public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) {
        boolean bodyless = false;
        if (msg instanceof HttpResponse response) {
            int code = response.status().code();
            bodyless = code == 204 || code == 304;
            if (msg instanceof FullHttpResponse full && !bodyless) {
                HttpMessageEncoder.addContentLengthIfMissing(response, full.content());
            }
        }
        encoder.write(ctx, msg, promise, bodyless);
    }
}
