package io.weft.testing;

import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;

/** Writes every message straight back and flushes once per read batch. */
@Handler.Sharable
public final class EchoHandler implements Handler {

    @Override
    public void channelRead(HandlerContext ctx, Object msg) {
        ctx.write(msg);
    }

    @Override
    public void channelReadComplete(HandlerContext ctx) {
        ctx.flush();
    }
}
