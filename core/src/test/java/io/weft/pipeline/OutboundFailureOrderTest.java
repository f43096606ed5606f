package io.weft.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.weft.channel.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rule 8 for outbound failures: when a handler's own write fails inside its inbound callback (an encoder throws),
 * the promise fails at once but {@code exceptionCaught} reaches the pipeline only after that callback returns.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OutboundFailureOrderTest {

    @Test
    void aWriteThatThrowsInsideChannelReadIsReportedAfterChannelReadReturns() {
        List<String> events = new ArrayList<>();
        Handler failingEncoder = new Handler() {
            @Override
            public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) {
                throw new IllegalStateException("cannot encode " + msg);
            }
        };
        Handler app = new Handler() {
            @Override
            public void channelRead(HandlerContext ctx, Object msg) {
                events.add("read " + msg + " begins");
                CompletableFuture<Void> promise = new CompletableFuture<>();
                ctx.write("reply", promise);
                events.add("promise failed at once: " + promise.isCompletedExceptionally());
                events.add("read " + msg + " ends");
            }

            @Override
            public void exceptionCaught(HandlerContext ctx, Throwable cause) {
                events.add("exceptionCaught " + cause.getMessage());
            }
        };
        EmbeddedChannel ch = new EmbeddedChannel(failingEncoder, app);
        ch.writeInbound("ping");
        ch.runPendingTasks();
        assertEquals(List.of("read ping begins", "promise failed at once: true", "read ping ends",
                "exceptionCaught cannot encode reply"), events);
        ch.finish();
    }

    @Test
    void aWriteFromOutsideAnyCallbackStillReportsAtOnce() {
        List<String> events = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new Handler() {
            @Override
            public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) {
                throw new IllegalStateException("cannot encode " + msg);
            }

            @Override
            public void exceptionCaught(HandlerContext ctx, Throwable cause) {
                events.add("exceptionCaught " + cause.getMessage());
            }
        });
        ch.pipeline().write("x", null);
        assertEquals(List.of("exceptionCaught cannot encode x"), events);
        ch.finish();
    }
}
