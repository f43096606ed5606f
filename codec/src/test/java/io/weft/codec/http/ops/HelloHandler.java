package io.weft.codec.http.ops;

import io.weft.buffer.ReferenceCounted;
import io.weft.codec.http.HttpRequest;
import io.weft.codec.http.HttpResponseStatus;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;

/** Answers every request with 200 "hello PATH"; for tests. */
final class HelloHandler implements Handler {
    @Override
    public void channelRead(HandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            ctx.write(HttpInterceptor.response(ctx, HttpResponseStatus.OK, "text/plain", "hello " + request.path()));
        }
        ReferenceCounted.safeRelease(msg);
    }

    @Override
    public void channelReadComplete(HandlerContext ctx) {
        ctx.flush();
    }
}
