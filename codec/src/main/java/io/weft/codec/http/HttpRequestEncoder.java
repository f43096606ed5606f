package io.weft.codec.http;

import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.util.concurrent.CompletableFuture;

/**
 * Encodes outbound {@link HttpRequest}s, {@link HttpContent}s and {@link FullHttpRequest}s into bytes, framing
 * the body as the request's headers say; other messages pass through. Most clients want
 * {@link HttpClientCodec}, which also decodes the responses and fills in missing framing headers.
 *
 * <p>Runs on the channel's loop; one instance per connection.
 */
public class HttpRequestEncoder implements Handler {

    private final HttpMessageEncoder encoder = new HttpMessageEncoder();

    @Override
    public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) {
        encoder.write(ctx, msg, promise, false);
    }
}
