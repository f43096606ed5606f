package io.weft.testing;

import io.weft.buffer.Buffer;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * Collects inbound bytes until {@code expected} have arrived, then completes {@link #done()} with them; also
 * completes (exceptionally) if the channel closes first. Releases every buffer it reads.
 */
public final class Collector implements Handler {

    private final int expected;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> done = new CompletableFuture<>();

    public Collector(int expected) {
        this.expected = expected;
    }

    public CompletableFuture<byte[]> done() {
        return done;
    }

    @Override
    public void channelRead(HandlerContext ctx, Object msg) {
        Buffer buffer = (Buffer) msg;
        try {
            byte[] chunk = new byte[buffer.readableBytes()];
            buffer.readBytes(chunk);
            bytes.writeBytes(chunk);
        } finally {
            buffer.release();
        }
        if (bytes.size() >= expected) {
            done.complete(bytes.toByteArray());
        }
    }

    @Override
    public void channelInactive(HandlerContext ctx) {
        done.completeExceptionally(new IllegalStateException(
                "channel closed after " + bytes.size() + " of " + expected + " bytes"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(HandlerContext ctx, Throwable cause) {
        done.completeExceptionally(cause);
        ctx.close();
    }
}
