package io.weft.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Server;
import io.weft.bootstrap.Udp;
import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.EmbeddedChannel;
import io.weft.channel.TcpChannel;
import io.weft.channel.UdpChannel;
import io.weft.handler.traffic.TrafficShapingHandler;
import io.weft.loop.EventLoopGroup;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The half-close is a pipeline operation: handlers see it in order with the writes before it, so one that holds
 * writes back (the traffic shaper) or frames the stream (TLS, tested in the codec module) ends its output first.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShutdownOutputTest {

    private static EventLoopGroup group;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void startGroup() {
        group = new EventLoopGroup(2);
    }

    @AfterAll
    static void stopGroup() {
        group.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    @Test
    void handlersSeeTheHalfCloseAfterTheWritesBeforeIt() {
        List<String> seen = new ArrayList<>();
        Handler recorder = new Handler() {
            @Override
            public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) {
                seen.add("write " + ((Buffer) msg).toString(StandardCharsets.US_ASCII));
                ctx.write(msg, promise);
            }

            @Override
            public void shutdownOutput(HandlerContext ctx, CompletableFuture<Void> promise) {
                seen.add("shutdownOutput");
                ctx.shutdownOutput(promise);
            }
        };
        EmbeddedChannel channel = new EmbeddedChannel(recorder);
        channel.write(channel.allocator().copyOf("a", StandardCharsets.US_ASCII));
        CompletableFuture<Void> shut = channel.shutdownOutput();
        assertTrue(shut.isDone() && !shut.isCompletedExceptionally());
        assertTrue(channel.isOutputShutdown());
        assertEquals(List.of("write a", "shutdownOutput"), seen);
        assertEquals("a", new String(channel.readOutboundBytes(), StandardCharsets.US_ASCII), "flushed first");

        CompletableFuture<Void> late = channel.write(channel.allocator().copyOf("b", StandardCharsets.US_ASCII),
                new CompletableFuture<>());
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, late::get);
        assertInstanceOf(ClosedChannelException.class, e.getCause());
        assertTrue(channel.isOpen(), "a half-close does not close");
        channel.finishAndReleaseAll();
    }

    /** Two half-closes held back merge: both promises complete when it is passed on, or both fail. */
    @Test
    void aPendingShutdownMergesRequestsAndPassesThemOnOnce() {
        PendingShutdown held = new PendingShutdown();
        List<String> seen = new ArrayList<>();
        Handler holder = new Handler() {
            @Override
            public void shutdownOutput(HandlerContext ctx, CompletableFuture<Void> promise) {
                seen.add("held");
                held.add(promise);
            }
        };
        Handler counter = new Handler() {
            @Override
            public void shutdownOutput(HandlerContext ctx, CompletableFuture<Void> promise) {
                seen.add("passed on");
                ctx.shutdownOutput(promise);
            }
        };
        EmbeddedChannel channel = new EmbeddedChannel(counter, holder);
        CompletableFuture<Void> first = channel.shutdownOutput();
        CompletableFuture<Void> second = channel.shutdownOutput();
        channel.pipeline().shutdownOutput(null);
        assertTrue(held.isRequested());
        assertFalse(first.isDone() || second.isDone() || channel.isOutputShutdown());
        held.passOn(channel.pipeline().context(holder));
        assertTrue(first.isDone() && !first.isCompletedExceptionally());
        assertTrue(second.isDone() && !second.isCompletedExceptionally());
        assertEquals(List.of("held", "held", "held", "passed on"), seen);
        assertFalse(held.isRequested());
        held.passOn(channel.pipeline().context(holder)); // nothing held: nothing passed on
        assertEquals(4, seen.size());

        CompletableFuture<Void> third = new CompletableFuture<>();
        CompletableFuture<Void> fourth = new CompletableFuture<>();
        held.add(third);
        held.add(fourth);
        held.fail(new ClosedChannelException());
        assertInstanceOf(ClosedChannelException.class, third.handle((v, t) -> t).join());
        assertInstanceOf(ClosedChannelException.class, fourth.handle((v, t) -> t).join());
        channel.finishAndReleaseAll();
    }

    @Test
    void aChannelWithoutHalfCloseFailsThePromise() throws Exception {
        UdpChannel udp = Udp.builder().group(group).handler(ch -> { }).bind("127.0.0.1", 0)
                .get(10, TimeUnit.SECONDS);
        toClose.add(() -> udp.close().get(10, TimeUnit.SECONDS));
        CompletableFuture<Void> shut = new CompletableFuture<>();
        udp.pipeline().shutdownOutput(shut);
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> shut.get(10, TimeUnit.SECONDS));
        assertInstanceOf(UnsupportedOperationException.class, e.getCause());
        assertTrue(udp.isOpen());
    }

    /**
     * A shaper limited to 256 KiB/s holds most of a 192 KiB response back; the FIN asked for right after the
     * writes must follow all of it. (Before the half-close went through the pipeline, it bypassed the shaper: the
     * peer got a FIN first and the held-back writes failed.)
     */
    @Test
    void theTrafficShaperSendsWhatItHoldsBeforeTheFin() throws Exception {
        int total = 192 * 1024;
        LinkedBlockingQueue<Object> outcome = new LinkedBlockingQueue<>();
        Server server = Server.builder().group(group).childHandler(ch -> ch.pipeline()
                .addLast("shaper", new TrafficShapingHandler(0, 256 * 1024))
                .addLast("app", new Handler() {
                    @Override
                    public void channelActive(HandlerContext ctx) {
                        byte[] chunk = new byte[16 * 1024];
                        for (int sent = 0; sent < total; sent += chunk.length) {
                            java.util.Arrays.fill(chunk, (byte) (sent / chunk.length));
                            ctx.write(ctx.alloc().copyOf(chunk));
                        }
                        ctx.flush();
                        ((TcpChannel) ctx.channel()).shutdownOutput().whenComplete((v, t) ->
                                outcome.add(t == null ? "shut down" : t));
                        CompletableFuture<Void> late = new CompletableFuture<>();
                        ctx.write(ctx.alloc().copyOf(new byte[1]), late);
                        late.whenComplete((v, t) -> outcome.add(t == null ? "late write sent" : t));
                    }

                    @Override
                    public void channelRead(HandlerContext ctx, Object msg) {
                        outcome.add("read " + ((Buffer) msg).readableBytes());
                        ReferenceCounted.safeRelease(msg);
                    }
                })).bind("127.0.0.1", 0);
        toClose.add(server::close);
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(20_000);
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) >= 0) {
                got.write(buf, 0, n);
            }
            byte[] bytes = got.toByteArray();
            assertEquals(total, bytes.length, "everything written before the half-close, then FIN");
            for (int i = 0; i < bytes.length; i += 16 * 1024) {
                assertEquals((byte) (i / (16 * 1024)), bytes[i], "in order");
            }
            assertInstanceOf(ClosedChannelException.class, outcome.poll(10, TimeUnit.SECONDS),
                    "a write after the half-close fails");
            assertEquals("shut down", outcome.poll(10, TimeUnit.SECONDS));
            OutputStream out = socket.getOutputStream();
            out.write(new byte[3]);
            out.flush();
            assertEquals("read 3", outcome.poll(10, TimeUnit.SECONDS), "reading goes on");
        }
        assertFalse(outcome.contains("late write sent"));
    }
}
