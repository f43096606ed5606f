package io.weft.codec.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Server;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.ChannelOption;
import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Slow, idle, greedy and never-reading clients against {@link HttpServerCodec}, over real sockets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpSlowClientTest {

    private EventLoopGroup group;
    private final List<Server> servers = new ArrayList<>();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicLong maxPendingOutbound = new AtomicLong();
    private final AtomicInteger maxPendingResponses = new AtomicInteger();

    @BeforeEach
    void start() {
        group = new EventLoopGroup(2);
    }

    @AfterEach
    void stop() {
        for (Server s : servers) {
            s.close();
        }
        group.close();
    }

    private Server serve(HttpServerConfig config, boolean answerLater, Server.Builder builder) {
        Server server = builder.group(group)
                .childHandler(ch -> {
                    HttpServerCodec codec = new HttpServerCodec(HttpDecoderConfig.DEFAULT, config);
                    ch.pipeline().addLast("http", codec).addLast("app", new App(codec, answerLater));
                })
                .bind("127.0.0.1", 0);
        servers.add(server);
        return server;
    }

    private Server serve(HttpServerConfig config) {
        return serve(config, false, Server.builder());
    }

    /** Answers {@code ok <target>} after each request's end, at once or from a later loop task. */
    private final class App implements Handler {
        private final HttpServerCodec codec;
        private final boolean answerLater;
        private String target;

        App(HttpServerCodec codec, boolean answerLater) {
            this.codec = codec;
            this.answerLater = answerLater;
        }

        @Override
        public void channelActive(HandlerContext ctx) {
            open.incrementAndGet();
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(HandlerContext ctx) {
            open.decrementAndGet();
            ctx.fireChannelInactive();
        }

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest r) {
                target = r.target();
                requests.incrementAndGet();
                maxPendingResponses.accumulateAndGet(codec.pendingResponses(), Math::max);
            }
            if (msg instanceof LastHttpContent) {
                String body = "ok " + target;
                if (answerLater) {
                    ctx.channel().loop().execute(() -> answer(ctx, body));
                } else {
                    answer(ctx, body);
                }
            }
            ReferenceCounted.safeRelease(msg);
        }

        private void answer(HandlerContext ctx, String body) {
            ctx.writeAndFlush(new FullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    ctx.alloc().copyOf(body, StandardCharsets.US_ASCII)));
            if (ctx.channel() instanceof TcpChannel tcp) {
                maxPendingOutbound.accumulateAndGet(tcp.pendingOutboundBytes(), Math::max);
            }
        }
    }

    // ------------------------------------------------------------------ timeouts

    @Test
    void incompleteRequestHeadGets408ThenClose() throws Exception {
        Server server = serve(HttpServerConfig.DEFAULT.withRequestHeadTimeoutMillis(500));
        long start = System.nanoTime();
        String answer = RawHttp.exchangeUntilClose(server.port(), RawHttp.ascii("GET / HTTP/1.1\r\nHo"));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(List.of(408), RawHttp.statuses(answer), answer);
        assertTrue(answer.contains("connection: close"), answer);
        assertTrue(answer.contains("date: "), answer);
        assertTrue(millis >= 450, "closed after " + millis + " ms");
    }

    @Test
    void connectionThatSendsNothingIsClosedQuietlyAfterTheHeadTimeout() throws Exception {
        Server server = serve(HttpServerConfig.DEFAULT.withRequestHeadTimeoutMillis(500));
        assertEquals("", RawHttp.exchangeUntilClose(server.port(), new byte[0]));
    }

    @Test
    void stalledRequestBodyGets408ThenClose() throws Exception {
        Server server = serve(HttpServerConfig.DEFAULT.withBodyReadTimeoutMillis(500));
        String answer = RawHttp.exchangeUntilClose(server.port(),
                RawHttp.ascii("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
        assertEquals(List.of(408), RawHttp.statuses(answer), answer);
        assertEquals(0, requests.get() - 1, "the request head reached the application");
    }

    @Test
    void idleKeepAliveConnectionIsClosedQuietly() throws Exception {
        Server server = serve(HttpServerConfig.DEFAULT.withKeepAliveTimeoutMillis(500));
        try (Socket socket = RawHttp.connect(server.port())) {
            InputStream in = socket.getInputStream();
            for (int i = 0; i < 3; i++) {
                socket.getOutputStream().write(RawHttp.ascii("GET /k" + i + " HTTP/1.1\r\nHost: x\r\n\r\n"));
                assertEquals("ok /k" + i, RawHttp.readResponse(in).body());
            }
            long start = System.nanoTime();
            assertEquals(0, RawHttp.readUntilClose(in).length, "closed without another response");
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(450));
        }
    }

    @Test
    void connectionClosesAfterMaxRequests() throws Exception {
        Server server = serve(HttpServerConfig.DEFAULT.withMaxRequestsPerConnection(3));
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            batch.append("GET /m").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        String answer = RawHttp.exchangeUntilClose(server.port(), RawHttp.ascii(batch.toString()));
        assertEquals(List.of(200, 200, 200), RawHttp.statuses(answer), answer);
        int third = answer.lastIndexOf("HTTP/1.1 200");
        assertTrue(answer.substring(third).contains("connection: close"), answer);
        assertTrue(answer.endsWith("ok /m2"), answer);
    }

    /**
     * 1,000 slowloris connections send a request head one byte every two seconds; each is answered 408 and closed
     * once the (here 3 s) head timeout has passed since its first byte, while a normal client on its own
     * connection keeps getting answers quickly.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void thousandSlowHeadClientsAreClosedWhileANormalClientIsServed() throws Exception {
        long headTimeoutMillis = 3000;
        Server server = serve(HttpServerConfig.DEFAULT.withRequestHeadTimeoutMillis(headTimeoutMillis));
        byte[] head = RawHttp.ascii("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        int slowCount = 1000;
        List<SocketChannel> slow = new ArrayList<>();
        long[] firstByteAt = new long[slowCount];
        long[] closedAt = new long[slowCount];
        StringBuilder[] received = new StringBuilder[slowCount];
        ByteBuffer buf = ByteBuffer.allocate(4096);
        try (Socket normal = RawHttp.connect(server.port())) {
            OutputStream normalOut = normal.getOutputStream();
            InputStream normalIn = new BufferedInputStream(normal.getInputStream());
            for (int i = 0; i < slowCount; i++) {
                SocketChannel ch;
                try {
                    ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", server.port()));
                } catch (IOException e) {
                    // Two descriptors per connection (both ends are in this JVM): skip where there are too few.
                    org.junit.jupiter.api.Assumptions.assumeFalse(String.valueOf(e.getMessage()).contains(
                            "Too many open files"), "not enough file descriptors for 1,000 connections");
                    throw e;
                }
                ch.configureBlocking(false);
                slow.add(ch);
                received[i] = new StringBuilder();
                ch.write(ByteBuffer.wrap(head, 0, 1));
                firstByteAt[i] = System.nanoTime();
            }
            List<Long> latencies = new ArrayList<>();
            int sent = 1;
            long nextByte = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int closed = 0;
            while (closed < slowCount && System.nanoTime() < deadline) {
                long t0 = System.nanoTime();
                normalOut.write(RawHttp.ascii("GET /normal HTTP/1.1\r\nHost: x\r\n\r\n"));
                assertEquals("ok /normal", RawHttp.readResponse(normalIn).body());
                latencies.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                boolean sendNow = System.nanoTime() >= nextByte && sent < head.length;
                for (int i = 0; i < slowCount; i++) {
                    SocketChannel ch = slow.get(i);
                    if (closedAt[i] != 0) {
                        continue;
                    }
                    int n;
                    do {
                        buf.clear();
                        try {
                            n = ch.read(buf);
                        } catch (IOException e) {
                            n = -1; // reset after the answer: closed all the same
                        }
                        if (n > 0) {
                            received[i].append(new String(buf.array(), 0, n, StandardCharsets.ISO_8859_1));
                        }
                    } while (n > 0);
                    if (n < 0) {
                        closedAt[i] = System.nanoTime();
                        closed++;
                    } else if (sendNow) {
                        try {
                            ch.write(ByteBuffer.wrap(head, sent, 1));
                        } catch (IOException e) {
                            // Closed under us; the next read sees it.
                        }
                    }
                }
                if (sendNow) {
                    sent++;
                    nextByte += TimeUnit.SECONDS.toNanos(2);
                }
                Thread.sleep(20); // the normal client's pace: about 50 requests a second
            }
            assertEquals(slowCount, closed, "slow connections closed");
            for (int i = 0; i < slowCount; i++) {
                long lived = TimeUnit.NANOSECONDS.toMillis(closedAt[i] - firstByteAt[i]);
                assertTrue(lived >= headTimeoutMillis - 50, "slow connection " + i + " closed after " + lived + " ms");
                String answer = received[i].toString();
                assertTrue(answer.isEmpty() || answer.startsWith("HTTP/1.1 408 Request Timeout\r\n"), answer);
            }
            assertTrue(sent < head.length, "the slow clients never finished their heads");
            Collections.sort(latencies);
            long median = latencies.get(latencies.size() / 2);
            long max = latencies.get(latencies.size() - 1);
            assertTrue(median < 500 && max < 5000, "normal client latencies: median " + median + " ms, max " + max
                    + " ms over " + latencies.size() + " requests");
            long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (open.get() > 1 && System.nanoTime() < waitUntil) {
                Thread.sleep(10);
            }
            assertEquals(1, open.get(), "only the normal connection is left on the server");
        } finally {
            for (SocketChannel ch : slow) {
                ch.close();
            }
        }
    }

    // ------------------------------------------------------------------ bounded pipelining

    /**
     * A client pipelines 10,000 requests and reads nothing: the server stops reading once its outbound queue
     * passes the high water mark, so its queued bytes stay bounded; then the client reads every response, in
     * order.
     */
    @Test
    void tenThousandPipelinedRequestsFromAClientThatDoesNotReadKeepMemoryBounded() throws Exception {
        Server server = serve(HttpServerConfig.DEFAULT, false,
                Server.builder().childOption(ChannelOption.SO_SNDBUF, 16 << 10));
        pipelineTenThousand(server, true);
        int highWaterMark = ChannelOption.WRITE_BUFFER_HIGH_WATER_MARK.defaultValue();
        assertTrue(maxPendingOutbound.get() <= highWaterMark + 1024,
                "queued outbound bytes reached " + maxPendingOutbound.get());
    }

    /** Answers come from later loop tasks: at most maxPendingResponses requests are ever decoded and unanswered. */
    @Test
    void pipelinedRequestsAnsweredLaterStayWithinMaxPendingResponses() throws Exception {
        Server server = serve(HttpServerConfig.DEFAULT.withMaxPendingResponses(16), true, Server.builder());
        pipelineTenThousand(server, false);
        assertTrue(maxPendingResponses.get() <= 16, "pending responses reached " + maxPendingResponses.get());
    }

    private void pipelineTenThousand(Server server, boolean stallFirst) throws Exception {
        int count = 10_000;
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < count; i++) {
            all.append("GET /p/").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        byte[] bytes = RawHttp.ascii(all.toString());
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(16 << 10);
            socket.connect(new InetSocketAddress("127.0.0.1", server.port()));
            socket.setSoTimeout(20_000);
            Thread writer = new Thread(() -> {
                try {
                    socket.getOutputStream().write(bytes);
                } catch (IOException e) {
                    // The test fails on the reading side.
                }
            }, "pipelining-writer");
            writer.setDaemon(true);
            writer.start();
            if (stallFirst) {
                // Wait until the server stops taking requests: the count stays the same for a whole second.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                int last = -1;
                long stableSince = System.nanoTime();
                while (System.nanoTime() < deadline) {
                    int now = requests.get();
                    if (now != last) {
                        last = now;
                        stableSince = System.nanoTime();
                    } else if (System.nanoTime() - stableSince > TimeUnit.SECONDS.toNanos(1)) {
                        break;
                    }
                    Thread.sleep(20);
                }
                assertTrue(requests.get() < count, "the server kept reading: " + requests.get() + " requests");
            }
            InputStream in = new BufferedInputStream(socket.getInputStream(), 64 << 10);
            for (int i = 0; i < count; i++) {
                RawHttp.Response r = RawHttp.readResponse(in);
                assertNotNull(r, "response " + i);
                assertEquals("ok /p/" + i, r.body());
            }
            writer.join(10_000);
            socket.shutdownOutput();
            assertNull(RawHttp.readResponse(in));
        }
        assertEquals(count, requests.get());
    }

    @Test
    void serverConfigChecksItsValuesAndTurnsTimeoutsOffWithZero() {
        HttpServerConfig off = new HttpServerConfig(0, 0, 0, 1, 1);
        assertEquals(0, off.shortestTimeoutMillis(), "no timer at all");
        assertEquals(250, off.withBodyReadTimeoutMillis(250).withKeepAliveTimeoutMillis(900).shortestTimeoutMillis());
        assertEquals(30_000, HttpServerConfig.DEFAULT.shortestTimeoutMillis());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> HttpServerConfig.DEFAULT.withRequestHeadTimeoutMillis(-1));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> HttpServerConfig.DEFAULT.withMaxPendingResponses(0));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Server.builder().maxConnections(0));
    }

    // ------------------------------------------------------------------ server-wide connection limit

    @Test
    void connectionsOverTheServerLimitAreClosedAtAccept() throws Exception {
        Server server = serve(HttpServerConfig.DEFAULT, false, Server.builder().maxConnections(3));
        List<Socket> served = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket s = RawHttp.connect(server.port());
                served.add(s);
                s.getOutputStream().write(RawHttp.ascii("GET /c" + i + " HTTP/1.1\r\nHost: x\r\n\r\n"));
                assertEquals("ok /c" + i, RawHttp.readResponse(s.getInputStream()).body());
            }
            try (Socket extra = RawHttp.connect(server.port())) {
                assertEquals(0, RawHttp.readUntilClose(extra.getInputStream()).length);
            }
            served.remove(0).close();
            // The freed slot is reusable once the server has seen the close.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) {
                try (Socket again = RawHttp.connect(server.port())) {
                    again.getOutputStream().write(RawHttp.ascii("GET /again HTTP/1.1\r\nHost: x\r\n\r\n"));
                    RawHttp.Response r = RawHttp.readResponse(again.getInputStream());
                    if (r != null) {
                        assertEquals("ok /again", r.body());
                        break;
                    }
                } catch (IOException e) {
                    // Refused while the server had not yet seen the close: try again.
                }
                assertTrue(System.nanoTime() < deadline, "the freed slot was never reused");
                Thread.sleep(20);
            }
        } finally {
            for (Socket s : served) {
                s.close();
            }
        }
    }
}
