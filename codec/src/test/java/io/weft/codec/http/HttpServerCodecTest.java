package io.weft.codec.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Server;
import io.weft.loop.EventLoopGroup;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The server codec over real sockets, driven by curl, the JDK HttpClient and raw sockets. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HttpServerCodecTest {

    private static final int BIG = 5 << 20;
    private static EventLoopGroup group;
    private static Server server;
    private static Server aggregating;
    private static final List<Throwable> rejections = new CopyOnWriteArrayList<>();
    private static byte[] big;

    @BeforeAll
    static void start() {
        group = new EventLoopGroup(2);
        server = Server.builder().group(group)
                .childHandler(ch -> ch.pipeline()
                        .addLast("http", new HttpServerCodec(HttpDecoderConfig.DEFAULT.withMaxContentLength(16 << 20)))
                        .addLast("rejections", new io.weft.pipeline.Handler() {
                            @Override
                            public void userEvent(io.weft.pipeline.HandlerContext ctx, Object event) {
                                if (event instanceof HttpDecoderException e) {
                                    rejections.add(e);
                                }
                                ctx.fireUserEvent(event);
                            }
                        })
                        .addLast("app", new BodyReportHandler()))
                .bind("127.0.0.1", 0);
        aggregating = Server.builder().group(group)
                .childHandler(ch -> ch.pipeline()
                        .addLast("http", new HttpServerCodec())
                        .addLast("aggregate", new HttpObjectAggregator(1 << 20))
                        .addLast("app", new FullEchoHandler()))
                .bind("127.0.0.1", 0);
        big = new byte[BIG];
        new Random(42).nextBytes(big);
    }

    @AfterAll
    static void stop() {
        server.close();
        aggregating.close();
        group.close();
    }

    private static String report(String method, String target, byte[] body) {
        return method + " " + target + " bytes=" + body.length;
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    // ------------------------------------------------------------------ JDK HttpClient

    @Test
    void jdkClientGets() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        var response = client.send(java.net.http.HttpRequest.newBuilder(uri("/hello?x=1")).build(),
                BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("GET /hello?x=1 bytes=0 parts=0 crc=0", response.body());
        assertEquals("text/plain", response.headers().firstValue("content-type").orElseThrow());
    }

    @Test
    void jdkClientPostsFiveMebibytesWithContentLength() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        var response = client.send(java.net.http.HttpRequest.newBuilder(uri("/upload"))
                .POST(BodyPublishers.ofByteArray(big)).build(), BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertStreamedReport(response.body(), "POST", "/upload");
    }

    @Test
    void jdkClientPostsFiveMebibytesChunked() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        // A publisher of unknown length makes the JDK client send the body chunked.
        var response = client.send(java.net.http.HttpRequest.newBuilder(uri("/chunked"))
                .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build(),
                BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertStreamedReport(response.body(), "POST", "/chunked");
    }

    @Test
    void jdkClientWithExpectContinueGetsTheBodyThrough() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        var response = client.send(java.net.http.HttpRequest.newBuilder(uri("/expect")).expectContinue(true)
                .POST(BodyPublishers.ofByteArray(big)).build(), BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertStreamedReport(response.body(), "POST", "/expect");
    }

    @Test
    void jdkClientReusesTheConnection() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        client.send(java.net.http.HttpRequest.newBuilder(uri("/warm")).build(), BodyHandlers.ofString());
        int before = BodyReportHandler.CONNECTIONS.get();
        for (int i = 0; i < 5; i++) {
            var response = client.send(java.net.http.HttpRequest.newBuilder(uri("/again/" + i)).build(),
                    BodyHandlers.ofString());
            assertEquals("GET /again/" + i + " bytes=0 parts=0 crc=0", response.body());
        }
        assertEquals(before, BodyReportHandler.CONNECTIONS.get(), "keep-alive: no new connection");
    }

    private static void assertStreamedReport(String body, String method, String target) {
        assertTrue(body.startsWith(report(method, target, big) + " parts="), body);
        assertTrue(body.endsWith(" crc=" + BodyReportHandler.crcOf(big)), body);
        int parts = Integer.parseInt(body.substring(body.indexOf("parts=") + 6, body.indexOf(" crc=")));
        assertTrue(parts > 1, "a 5 MiB body arrives in several content messages, got " + parts);
    }

    // ------------------------------------------------------------------ curl

    private static String curl(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60"));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            Assumptions.abort("curl is not installed");
            throw e;
        }
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(out, StandardCharsets.UTF_8));
        return new String(out, StandardCharsets.UTF_8);
    }

    @Test
    void curlGetsAndReusesTheConnection(@TempDir Path dir) throws Exception {
        int before = BodyReportHandler.CONNECTIONS.get();
        String out = curl(dir, uri("/a").toString(), uri("/b").toString(), uri("/c").toString());
        assertEquals("GET /a bytes=0 parts=0 crc=0GET /b bytes=0 parts=0 crc=0GET /c bytes=0 parts=0 crc=0", out);
        assertEquals(before + 1, BodyReportHandler.CONNECTIONS.get(), "curl reused one keep-alive connection");
    }

    @Test
    void curlPostsFiveMebibytesWithContentLengthAndChunked(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("big.bin"), big);
        String fixed = curl(dir, "--data-binary", "@big.bin", uri("/curl-fixed").toString());
        assertStreamedReport(fixed, "POST", "/curl-fixed");
        String chunked = curl(dir, "-H", "Transfer-Encoding: chunked", "--data-binary", "@big.bin",
                uri("/curl-chunked").toString());
        assertStreamedReport(chunked, "POST", "/curl-chunked");
    }

    @Test
    void curlSpeaksHttp10(@TempDir Path dir) throws Exception {
        String out = curl(dir, "-v", "--http1.0", uri("/old").toString());
        assertTrue(out.contains("GET /old bytes=0 parts=0 crc=0"), out);
        assertTrue(out.contains("< connection: close"), out);
    }

    // ------------------------------------------------------------------ raw sockets

    @Test
    void answersHundredPipelinedRequestsInOrder() throws Exception {
        StringBuilder requests = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            if (i % 10 == 3) {
                requests.append("POST /p/").append(i).append(" HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
            } else if (i % 10 == 7) {
                requests.append("POST /p/").append(i)
                        .append(" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
            } else {
                requests.append("GET /p/").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
            }
        }
        try (Socket socket = RawHttp.connect(server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(RawHttp.ascii(requests.toString()));
            out.flush();
            InputStream in = socket.getInputStream();
            for (int i = 0; i < 100; i++) {
                RawHttp.Response r = RawHttp.readResponse(in);
                assertEquals(200, r.status());
                String method = i % 10 == 3 || i % 10 == 7 ? "POST" : "GET";
                int bytes = i % 10 == 3 ? 5 : i % 10 == 7 ? 3 : 0;
                assertTrue(r.body().startsWith(method + " /p/" + i + " bytes=" + bytes + " "), r.body());
            }
        }
    }

    @Test
    void http10ClientGetsAnAnswerThenTheConnectionCloses() throws Exception {
        String answer = RawHttp.exchangeUntilClose(server.port(), RawHttp.ascii("GET /ten HTTP/1.0\r\n\r\n"));
        assertTrue(answer.startsWith("HTTP/1.1 200 OK\r\n"), answer);
        assertTrue(answer.contains("connection: close\r\n"), answer);
        assertTrue(answer.endsWith("GET /ten bytes=0 parts=0 crc=0"), answer);
    }

    @Test
    void http10KeepAliveIsHonoured() throws Exception {
        try (Socket socket = RawHttp.connect(server.port())) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            for (int i = 0; i < 2; i++) {
                out.write(RawHttp.ascii("GET /k" + i + " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
                RawHttp.Response r = RawHttp.readResponse(in);
                assertEquals("keep-alive", r.headers().get("connection"));
                assertEquals("GET /k" + i + " bytes=0 parts=0 crc=0", r.body());
            }
        }
    }

    @Test
    void connectionCloseRequestIsAnsweredThenClosedAndLaterRequestsIgnored() throws Exception {
        String answer = RawHttp.exchangeUntilClose(server.port(), RawHttp.ascii(
                "GET /1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(List.of(200), RawHttp.statuses(answer));
        assertTrue(answer.contains("connection: close"), answer);
    }

    @Test
    void expectContinueGetsAnInterimResponse() throws Exception {
        try (Socket socket = RawHttp.connect(server.port())) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(RawHttp.ascii("PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
            RawHttp.Response interim = RawHttp.readResponse(in);
            assertEquals(100, interim.status());
            out.write(RawHttp.ascii("body"));
            RawHttp.Response r = RawHttp.readResponse(in);
            assertEquals(200, r.status());
            assertTrue(r.body().startsWith("PUT /e bytes=4 "), r.body());
        }
    }

    @Test
    void headResponseHasNoBody() throws Exception {
        String answer = RawHttp.exchangeUntilClose(server.port(), RawHttp.ascii(
                "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /g HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        assertEquals(List.of(200, 200), RawHttp.statuses(answer));
        assertFalse(answer.contains("HEAD /h"), answer);
        assertTrue(answer.endsWith("GET /g bytes=0 parts=0 crc=0"), answer);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "oversized header|431",
        "too many headers|431",
        "bad chunk size|400",
        "content-length and transfer-encoding|400",
        "two different content-lengths|400",
        "transfer-encoding not ending in chunked|400",
        "unknown transfer coding|501",
        "invalid version|400",
        "unsupported version|505",
        "header without colon|400",
        "space before colon|400",
        "obsolete line folding|400",
        "missing host|400",
        "unknown method|501",
        "request line of 1 MiB|414",
        "body over the limit|413",
        "unknown expectation|417",
    })
    void rejectsMalformedRequestThenKeepsServing(String kind, int status) throws Exception {
        int before = rejections.size();
        String answer = RawHttp.exchangeUntilClose(server.port(), RawHttp.ascii(malformed(kind)));
        if (kind.equals("request line of 1 MiB") && answer.isEmpty()) {
            // The server may reset the connection while the client is still sending: a close is also fine.
            assertTrue(rejections.size() > before);
        } else {
            assertEquals(List.of(status), RawHttp.statuses(answer), answer);
            assertTrue(answer.contains("connection: close"), answer);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (rejections.size() == before && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Throwable rejection = rejections.get(rejections.size() - 1);
        assertEquals(status, ((HttpDecoderException) rejection).status().code(), rejection.toString());
        // The server keeps serving other clients.
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        var response = client.send(java.net.http.HttpRequest.newBuilder(uri("/after")).build(),
                BodyHandlers.ofString());
        assertEquals("GET /after bytes=0 parts=0 crc=0", response.body());
    }

    @Test
    void badRequestAfterPipelinedGoodOnesIsAnsweredLast() throws Exception {
        String answer = RawHttp.exchangeUntilClose(server.port(), RawHttp.ascii(
                "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nNoColon\r\n\r\n"));
        assertEquals(List.of(200, 200, 400), RawHttp.statuses(answer), answer);
    }

    private static String malformed(String kind) {
        switch (kind) {
            case "oversized header":
                return "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(9000) + "\r\n\r\n";
            case "too many headers": {
                StringBuilder sb = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
                for (int i = 0; i < 150; i++) {
                    sb.append("X-").append(i).append(": v\r\n");
                }
                return sb.append("\r\n").toString();
            }
            case "bad chunk size":
                return "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n";
            case "content-length and transfer-encoding":
                return "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
            case "two different content-lengths":
                return "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde";
            case "transfer-encoding not ending in chunked":
                return "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n";
            case "unknown transfer coding":
                return "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n";
            case "invalid version":
                return "GET / HTTX/1.1\r\nHost: x\r\n\r\n";
            case "unsupported version":
                return "GET / HTTP/2.0\r\nHost: x\r\n\r\n";
            case "header without colon":
                return "GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n";
            case "space before colon":
                return "GET / HTTP/1.1\r\nHost : x\r\n\r\n";
            case "obsolete line folding":
                return "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  continued\r\n\r\n";
            case "missing host":
                return "GET / HTTP/1.1\r\n\r\n";
            case "unknown method":
                return "BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n";
            case "request line of 1 MiB":
                return "GET /" + "a".repeat(1 << 20) + " HTTP/1.1\r\nHost: x\r\n\r\n";
            case "body over the limit":
                return "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + (17 << 20) + "\r\n\r\n";
            case "unknown expectation":
                return "POST / HTTP/1.1\r\nHost: x\r\nExpect: tea\r\nContent-Length: 1\r\n\r\nx";
            default:
                throw new IllegalArgumentException(kind);
        }
    }

    // ------------------------------------------------------------------ aggregation

    @Test
    void aggregatorDeliversWholeRequestsAndAnswers413OverItsLimit() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI target = URI.create("http://127.0.0.1:" + aggregating.port() + "/agg");
        byte[] small = new byte[100_000];
        new Random(1).nextBytes(small);
        var ok = client.send(java.net.http.HttpRequest.newBuilder(target)
                .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(small))).build(),
                BodyHandlers.ofByteArray());
        assertEquals(200, ok.statusCode());
        assertEquals(java.util.Arrays.toString(small), java.util.Arrays.toString(ok.body()));
        assertEquals("100000", ok.headers().firstValue("content-length").orElseThrow());

        String answer = RawHttp.exchangeUntilClose(aggregating.port(), RawHttp.ascii(
                "POST /agg HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n"));
        assertEquals(List.of(413), RawHttp.statuses(answer), answer);

        String chunked = RawHttp.exchangeUntilClose(aggregating.port(), RawHttp.ascii(
                "POST /agg HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "100000\r\n" + "a".repeat(0x100000) + "\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"));
        assertEquals(List.of(413), RawHttp.statuses(chunked), chunked);
    }

    /** Echoes a whole request's body back, with the request's content-type. */
    static final class FullEchoHandler implements io.weft.pipeline.Handler {
        @Override
        public void channelRead(io.weft.pipeline.HandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest request) {
                FullHttpResponse response = new FullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        request.content().retain());
                request.release();
                ctx.writeAndFlush(response);
                return;
            }
            ctx.fireChannelRead(msg);
        }
    }
}
