package io.weft.codec.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Weft HTTP client codec against the Weft server and against the JDK's com.sun.net.httpserver. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpClientCodecTest {

    private static EventLoopGroup group;
    private static Server weft;
    private static HttpServer jdk;
    private static byte[] big;

    @BeforeAll
    static void start() throws Exception {
        group = new EventLoopGroup(2);
        weft = Server.builder().group(group)
                .childHandler(ch -> ch.pipeline()
                        .addLast("http", new HttpServerCodec())
                        .addLast("app", new BodyReportHandler()))
                .bind("127.0.0.1", 0);
        big = new byte[3 << 20];
        new Random(7).nextBytes(big);
        jdk = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        jdk.createContext("/fixed", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = "fixed body".getBytes(StandardCharsets.US_ASCII);
            exchange.getResponseHeaders().add("X-Test", "a");
            exchange.getResponseHeaders().add("X-Test", "b");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        jdk.createContext("/chunked", exchange -> {
            exchange.sendResponseHeaders(200, 0); // 0 = unknown length: chunked
            try (OutputStream out = exchange.getResponseBody()) {
                for (int off = 0; off < big.length; off += 100_000) {
                    out.write(big, off, Math.min(100_000, big.length - off));
                }
            }
        });
        jdk.createContext("/big", exchange -> {
            exchange.sendResponseHeaders(200, big.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(big);
            }
        });
        jdk.createContext("/echo", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(201, body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        jdk.start();
    }

    @AfterAll
    static void stop() {
        jdk.stop(0);
        weft.close();
        group.close();
    }

    /** Collects aggregated responses in arrival order. */
    static final class Responses implements Handler {
        final ConcurrentLinkedQueue<CompletableFuture<FullHttpResponse>> waiting = new ConcurrentLinkedQueue<>();

        CompletableFuture<FullHttpResponse> expect() {
            CompletableFuture<FullHttpResponse> f = new CompletableFuture<>();
            waiting.add(f);
            return f;
        }

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpResponse r) {
                CompletableFuture<FullHttpResponse> f = waiting.poll();
                if (f == null || !f.complete(r)) {
                    r.release();
                }
                return;
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            CompletableFuture<FullHttpResponse> f;
            while ((f = waiting.poll()) != null) {
                f.completeExceptionally(cause);
            }
        }

        @Override
        public void channelInactive(HandlerContext ctx) {
            exceptionCaught(ctx, new IllegalStateException("connection closed"));
            ctx.fireChannelInactive();
        }
    }

    private static TcpChannel connect(int port, Responses responses) throws Exception {
        return Client.builder().group(group)
                .handler(ch -> ch.pipeline()
                        .addLast("http", new HttpClientCodec())
                        .addLast("aggregate", new HttpObjectAggregator(16 << 20))
                        .addLast("responses", responses))
                .connect("127.0.0.1", port).get(10, TimeUnit.SECONDS);
    }

    private static String text(FullHttpResponse r) {
        try {
            return r.content().toString(StandardCharsets.ISO_8859_1);
        } finally {
            r.release();
        }
    }

    private static FullHttpRequest request(TcpChannel ch, HttpMethod method, String target, byte[] body) {
        Buffer content = ch.allocator().allocate(body.length).writeBytes(body);
        FullHttpRequest r = new FullHttpRequest(HttpVersion.HTTP_1_1, method, target, content);
        r.headers().add(HttpHeaderNames.HOST, "127.0.0.1");
        return r;
    }

    @Test
    void readsPipelinedResponsesFromTheWeftServer() throws Exception {
        Responses responses = new Responses();
        TcpChannel ch = connect(weft.port(), responses);
        CompletableFuture<FullHttpResponse> get = responses.expect();
        CompletableFuture<FullHttpResponse> head = responses.expect();
        CompletableFuture<FullHttpResponse> post = responses.expect();
        ch.write(request(ch, HttpMethod.GET, "/one", new byte[0]));
        ch.write(request(ch, HttpMethod.HEAD, "/two", new byte[0]));
        ch.writeAndFlush(request(ch, HttpMethod.POST, "/three", big));
        assertEquals("GET /one bytes=0 parts=0 crc=0", text(get.get(30, TimeUnit.SECONDS)));
        FullHttpResponse headResponse = head.get(30, TimeUnit.SECONDS);
        assertEquals(200, headResponse.status().code());
        assertEquals("", text(headResponse));
        String report = text(post.get(30, TimeUnit.SECONDS));
        assertTrue(report.startsWith("POST /three bytes=" + big.length + " parts="), report);
        assertTrue(report.endsWith("crc=" + BodyReportHandler.crcOf(big)), report);
        ch.close().get(5, TimeUnit.SECONDS);
    }

    @Test
    void streamsAChunkedRequestToTheWeftServer() throws Exception {
        Responses responses = new Responses();
        TcpChannel ch = connect(weft.port(), responses);
        CompletableFuture<FullHttpResponse> answer = responses.expect();
        HttpRequest head = new HttpRequest(HttpVersion.HTTP_1_1, HttpMethod.PUT, "/stream");
        head.headers().add(HttpHeaderNames.HOST, "127.0.0.1");
        ch.write(head);
        for (int off = 0; off < big.length; off += 500_000) {
            int n = Math.min(500_000, big.length - off);
            ch.write(new HttpContent(ch.allocator().allocate(n).writeBytes(big, off, n)));
        }
        ch.writeAndFlush(LastHttpContent.EMPTY);
        String report = text(answer.get(30, TimeUnit.SECONDS));
        assertTrue(report.startsWith("PUT /stream bytes=" + big.length), report);
        assertTrue(report.endsWith("crc=" + BodyReportHandler.crcOf(big)), report);
        ch.close().get(5, TimeUnit.SECONDS);
    }

    @Test
    void readsFixedChunkedAndEmptyResponsesFromTheJdkServer() throws Exception {
        Responses responses = new Responses();
        TcpChannel ch = connect(jdk.getAddress().getPort(), responses);

        CompletableFuture<FullHttpResponse> fixed = responses.expect();
        ch.writeAndFlush(request(ch, HttpMethod.GET, "/fixed", new byte[0]));
        FullHttpResponse f = fixed.get(30, TimeUnit.SECONDS);
        assertEquals(2, f.headers().getAll("x-test").size());
        assertEquals("10", f.headers().get("CONTENT-LENGTH"));
        assertEquals("fixed body", text(f));

        CompletableFuture<FullHttpResponse> chunked = responses.expect();
        ch.writeAndFlush(request(ch, HttpMethod.GET, "/chunked", new byte[0]));
        FullHttpResponse c = chunked.get(30, TimeUnit.SECONDS);
        byte[] received = new byte[c.content().readableBytes()];
        c.content().readBytes(received);
        c.release();
        assertTrue(java.util.Arrays.equals(big, received), "chunked body intact");

        CompletableFuture<FullHttpResponse> echo = responses.expect();
        ch.writeAndFlush(request(ch, HttpMethod.POST, "/echo", "ping".getBytes(StandardCharsets.US_ASCII)));
        FullHttpResponse e = echo.get(30, TimeUnit.SECONDS);
        assertEquals(201, e.status().code());
        assertEquals("ping", text(e));
        ch.close().get(5, TimeUnit.SECONDS);
    }

    @Test
    void streamsALargeFixedLengthResponseInSeveralParts() throws Exception {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        long[] bytes = new long[1];
        int[] parts = new int[1];
        CompletableFuture<HttpResponse> head = new CompletableFuture<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        TcpChannel ch = Client.builder().group(group)
                .handler(c -> c.pipeline()
                        .addLast("http", new HttpClientCodec())
                        .addLast("stream", new Handler() {
                            @Override
                            public void channelRead(HandlerContext ctx, Object msg) {
                                if (msg instanceof HttpResponse r) {
                                    head.complete(r);
                                } else if (msg instanceof HttpContent content) {
                                    try {
                                        if (content.readableBytes() > 0) {
                                            byte[] data = new byte[content.readableBytes()];
                                            content.content().readBytes(data);
                                            crc.update(data);
                                            bytes[0] += data.length;
                                            parts[0]++;
                                        }
                                    } finally {
                                        content.release();
                                    }
                                    if (msg instanceof LastHttpContent) {
                                        done.complete(null);
                                    }
                                }
                            }
                        }))
                .connect("127.0.0.1", jdk.getAddress().getPort()).get(10, TimeUnit.SECONDS);
        ch.writeAndFlush(request(ch, HttpMethod.GET, "/big", new byte[0]));
        assertEquals(String.valueOf(big.length), head.get(30, TimeUnit.SECONDS).headers().get("content-length"));
        done.get(30, TimeUnit.SECONDS);
        assertEquals(big.length, bytes[0]);
        assertEquals(BodyReportHandler.crcOf(big), Long.toHexString(crc.getValue()));
        assertTrue(parts[0] >= big.length / HttpDecoderConfig.DEFAULT.maxChunkSize(),
                "a 3 MiB body arrives in parts of at most 64 KiB, got " + parts[0]);
        ch.close().get(5, TimeUnit.SECONDS);
    }

    @Test
    void malformedResponseFailsWithTypedException() throws Exception {
        try (java.net.ServerSocket bad = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Thread peer = new Thread(() -> {
                try (java.net.Socket s = bad.accept()) {
                    s.getInputStream().read(new byte[1024]);
                    s.getOutputStream().write("HTTP/1.1 200 OK\r\nBroken header\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    s.getInputStream().read();
                } catch (java.io.IOException ignored) {
                    // the client closes
                }
            });
            peer.start();
            Responses responses = new Responses();
            TcpChannel ch = connect(bad.getLocalPort(), responses);
            CompletableFuture<FullHttpResponse> answer = responses.expect();
            ch.writeAndFlush(request(ch, HttpMethod.GET, "/", new byte[0]));
            Throwable cause = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> answer.get(30, TimeUnit.SECONDS)).getCause();
            assertTrue(cause instanceof MalformedHttpException, cause.toString());
            ch.closeFuture().get(10, TimeUnit.SECONDS);
            peer.join(10_000);
        }
    }
}
