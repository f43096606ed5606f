package io.weft.codec.http.ops;

import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.codec.http.FullHttpRequest;
import io.weft.codec.http.FullHttpResponse;
import io.weft.codec.http.HttpContent;
import io.weft.codec.http.HttpHeaderNames;
import io.weft.codec.http.HttpRequest;
import io.weft.codec.http.HttpResponseStatus;
import io.weft.codec.http.HttpVersion;
import io.weft.codec.http.LastHttpContent;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.nio.charset.StandardCharsets;

/**
 * The shared part of handlers that sit after an {@code HttpServerCodec} and answer some requests themselves:
 * {@link #intercept} sees each request head; when it returns a response, the request (and the rest of its body, up
 * to its {@link LastHttpContent}) is released instead of passed on and the response is written, flushed at the end
 * of the read batch. One instance per connection.
 */
abstract class HttpInterceptor implements Handler {

    private boolean discardingBody;
    private boolean needsFlush;

    /** The response to send instead of passing {@code request} on, or {@code null} to pass it on. */
    abstract FullHttpResponse intercept(HandlerContext ctx, HttpRequest request) throws Exception;

    @Override
    public final void channelRead(HandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest request) {
            FullHttpResponse response;
            try {
                response = intercept(ctx, request);
            } catch (Throwable t) {
                ReferenceCounted.safeRelease(msg);
                throw t;
            }
            if (response == null) {
                ctx.fireChannelRead(msg);
                return;
            }
            discardingBody = !(msg instanceof FullHttpRequest);
            ReferenceCounted.safeRelease(msg);
            ctx.write(response);
            needsFlush = true;
        } else if (discardingBody && msg instanceof HttpContent) {
            discardingBody = !(msg instanceof LastHttpContent);
            ReferenceCounted.safeRelease(msg);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelReadComplete(HandlerContext ctx) {
        if (needsFlush) {
            needsFlush = false;
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }

    /** A complete response with a UTF-8 body of {@code contentType}. */
    static FullHttpResponse response(HandlerContext ctx, HttpResponseStatus status, String contentType, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Buffer content = ctx.alloc().allocate(Math.max(1, bytes.length)).writeBytes(bytes);
        FullHttpResponse response = new FullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers().add(HttpHeaderNames.CONTENT_TYPE, contentType);
        response.headers().add(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return response;
    }
}
