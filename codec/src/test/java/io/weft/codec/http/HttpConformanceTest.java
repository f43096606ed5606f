package io.weft.codec.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RFC 9112 conformance of {@link HttpServerCodec} over real sockets: every case sends the exact bytes and checks the
 * status line, the headers and whether the connection was closed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpConformanceTest {

    private static EventLoopGroup group;
    private static Server server;
    /** Targets the application saw, to prove smuggled requests never reach it. */
    private static final List<String> seen = new CopyOnWriteArrayList<>();
    private static final AtomicReference<HttpServerCodec> lastCodec = new AtomicReference<>();
    private static final AtomicLong bytesIn = new AtomicLong();

    @BeforeAll
    static void start() {
        group = new EventLoopGroup(1);
        server = Server.builder().group(group)
                .childHandler(ch -> {
                    HttpServerCodec codec = new HttpServerCodec();
                    lastCodec.set(codec);
                    ch.pipeline()
                            .addLast("count", new Handler() {
                                @Override
                                public void channelRead(HandlerContext ctx, Object msg) {
                                    if (msg instanceof Buffer b) {
                                        bytesIn.addAndGet(b.readableBytes());
                                    }
                                    ctx.fireChannelRead(msg);
                                }
                            })
                            .addLast("http", codec)
                            .addLast("app", new InfoHandler());
                })
                .bind("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.close();
        group.close();
    }

    /**
     * Answers {@code <method> <target> host=<host> bytes=<n>} after the body; {@code /early} is answered as soon
     * as its head arrives (before its body), {@code /stream} gets its response head at once and its end after the
     * body, {@code /405} gets a 405 with {@code allow}.
     */
    static final class InfoHandler implements Handler {
        private HttpRequest request;
        private long bytes;

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest r) {
                request = r;
                bytes = 0;
                seen.add(r.target());
                if (r.path().equals("/early")) {
                    ctx.write(new FullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            ctx.alloc().copyOf("early", StandardCharsets.US_ASCII)));
                    ctx.flush();
                } else if (r.path().equals("/stream")) {
                    ctx.write(new HttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
                    ctx.write(new HttpContent(ctx.alloc().copyOf("started", StandardCharsets.US_ASCII)));
                    ctx.flush();
                }
            }
            if (msg instanceof HttpContent content) {
                bytes += content.readableBytes();
                content.release();
                if (msg instanceof LastHttpContent) {
                    String path = request.path();
                    if (path.equals("/early")) {
                        return;
                    }
                    if (path.equals("/stream")) {
                        ctx.write(LastHttpContent.EMPTY);
                        ctx.flush();
                        return;
                    }
                    if (path.equals("/405")) {
                        ctx.writeAndFlush(HttpResponses.methodNotAllowed(ctx.alloc(), HttpMethod.GET, HttpMethod.HEAD));
                        return;
                    }
                    String text = request.method() + " " + request.target() + " host="
                            + request.headers().get(HttpHeaderNames.HOST) + " bytes=" + bytes;
                    ctx.writeAndFlush(new FullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            ctx.alloc().copyOf(text, StandardCharsets.US_ASCII)));
                }
                return;
            }
            ReferenceCounted.safeRelease(msg);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Sends {@code request}, reads until the server closes; fails if it does not close. */
    private static String exchange(String request) throws Exception {
        return RawHttp.exchangeUntilClose(server.port(), RawHttp.ascii(request));
    }

    /** Sends {@code request} and reads exactly one response on a connection that must stay open. */
    private static RawHttp.Response oneOnOpenConnection(String request) throws Exception {
        try (Socket socket = RawHttp.connect(server.port())) {
            socket.getOutputStream().write(RawHttp.ascii(request));
            RawHttp.Response r = RawHttp.readResponse(socket.getInputStream());
            assertNotNull(r, "no response");
            // Still open: a second request on it is answered.
            socket.getOutputStream().write(RawHttp.ascii("GET /again HTTP/1.1\r\nHost: x\r\n\r\n"));
            RawHttp.Response again = RawHttp.readResponse(socket.getInputStream());
            assertNotNull(again, "connection closed after " + r);
            assertEquals(200, again.status());
            return r;
        }
    }

    /** The single response of {@code answer} (the server closed after it): status, date, length, close. */
    private static RawHttp.Response onlyErrorResponse(String answer, int status) throws Exception {
        assertEquals(List.of(status), RawHttp.statuses(answer), answer);
        RawHttp.Response r = RawHttp.readResponse(new java.io.ByteArrayInputStream(RawHttp.ascii(answer)));
        assertEquals(status, r.status());
        assertEquals("close", r.headers().get("connection"), answer);
        assertNotNull(HttpDate.parse(r.headers().get("date")), "date: " + answer);
        assertEquals(r.body().length(), Integer.parseInt(r.headers().get("content-length")), answer);
        return r;
    }

    // ------------------------------------------------------------------ host

    @ParameterizedTest(name = "host \"{0}\" -> 400")
    @ValueSource(strings = {"localhost/evil", "user@localhost", "a b<c>", "", "host:99999", "host:8o", "[::1",
        "[::1]x", "[zz::1]", "ex%zzample.com", "a\\b", "host?x", "host#x"})
    void invalidHostValueGets400AndClose(String host) throws Exception {
        String answer = exchange("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        onlyErrorResponse(answer, 400);
    }

    @ParameterizedTest(name = "host \"{0}\" -> 200")
    @ValueSource(strings = {"localhost", "localhost:8080", "127.0.0.1:80", "[::1]", "[::1]:8080", "xn--bcher-kva.example",
        "my_host.example", "host:"})
    void validHostValueIsServed(String host) throws Exception {
        RawHttp.Response r = oneOnOpenConnection("GET /h HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        assertEquals(200, r.status());
        assertEquals("GET /h host=" + host + " bytes=0", r.body());
    }

    @Test
    void http11WithoutHostOrWithTwoHostsGets400() throws Exception {
        onlyErrorResponse(exchange("GET / HTTP/1.1\r\n\r\n"), 400);
        onlyErrorResponse(exchange("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), 400);
        onlyErrorResponse(exchange("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
    }

    @Test
    void http10WithoutHostIsServed() throws Exception {
        String answer = exchange("GET /old HTTP/1.0\r\n\r\n");
        assertEquals(List.of(200), RawHttp.statuses(answer), answer);
        assertTrue(answer.endsWith("GET /old host=null bytes=0"), answer);
    }

    // ------------------------------------------------------------------ request targets

    @Test
    void absoluteFormUsesItsAuthorityAndPath() throws Exception {
        RawHttp.Response r = oneOnOpenConnection(
                "GET http://example.com:8080/abs/path?q=1 HTTP/1.1\r\nHost: example.com:8080\r\n\r\n");
        assertEquals("GET /abs/path?q=1 host=example.com:8080 bytes=0", r.body());
        // RFC 9112 section 3.2.2: the target's authority wins over a different host field.
        r = oneOnOpenConnection("GET HTTPS://Example.COM HTTP/1.1\r\nHost: other\r\n\r\n");
        assertEquals("GET / host=Example.COM bytes=0", r.body());
        r = oneOnOpenConnection("OPTIONS http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n");
        assertEquals("OPTIONS * host=example.com bytes=0", r.body());
        r = oneOnOpenConnection("GET http://example.com?x=y HTTP/1.1\r\nHost: example.com\r\n\r\n");
        assertEquals("GET /?x=y host=example.com bytes=0", r.body());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"GET * HTTP/1.1", "POST * HTTP/1.1", "GET /a#frag HTTP/1.1", "GET /a?b#c HTTP/1.1",
        "GET example.com:443 HTTP/1.1", "CONNECT /path HTTP/1.1", "CONNECT example.com HTTP/1.1",
        "GET ftp://example.com/ HTTP/1.1", "GET http://user@example.com/ HTTP/1.1", "GET http:///p HTTP/1.1",
        "GET http:/p HTTP/1.1", "GET /%zz HTTP/1.1", "GET /a% HTTP/1.1", "GET http://exa mple/ HTTP/1.1",
        "GET a/b HTTP/1.1"})
    void invalidRequestTargetGets400AndClose(String requestLine) throws Exception {
        int before = seen.size();
        onlyErrorResponse(exchange(requestLine + "\r\nHost: example.com\r\n\r\n"), 400);
        assertEquals(before, seen.size(), "the application saw " + seen);
    }

    @Test
    void asteriskFormForOptionsAndAuthorityFormForConnectAreServed() throws Exception {
        RawHttp.Response r = oneOnOpenConnection("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals("OPTIONS * host=x bytes=0", r.body());
        try (Socket socket = RawHttp.connect(server.port())) {
            socket.getOutputStream().write(RawHttp.ascii(
                    "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"));
            r = RawHttp.readResponse(socket.getInputStream());
            assertEquals("CONNECT example.com:443 host=example.com:443 bytes=0", r.body());
        }
    }

    // ------------------------------------------------------------------ error responses, status table, allow

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"400|GET / HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n",
        "413|POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n",
        "417|POST / HTTP/1.1\r\nHost: x\r\nExpect: tea\r\nContent-Length: 1\r\n\r\nx",
        "501|BREW / HTTP/1.1\r\nHost: x\r\n\r\n",
        "505|GET / HTTP/3.0\r\nHost: x\r\n\r\n"})
    void codecErrorResponsesCarryDateLengthAndClose(String spec) throws Exception {
        int bar = spec.indexOf('|');
        int status = Integer.parseInt(spec.substring(0, bar));
        RawHttp.Response r = onlyErrorResponse(exchange(spec.substring(bar + 1)), status);
        assertEquals(status + " " + HttpResponseStatus.valueOf(status).reasonPhrase() + "\n", r.body());
    }

    @Test
    void tooLongRequestLineAndHeaderSectionCarryDateLengthAndClose() throws Exception {
        onlyErrorResponse(exchange("GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n"), 414);
        onlyErrorResponse(exchange("GET / HTTP/1.1\r\nHost: x\r\nX: " + "a".repeat(9000) + "\r\n\r\n"), 431);
    }

    @Test
    void applicationResponsesGetADate() throws Exception {
        RawHttp.Response r = oneOnOpenConnection("GET /d HTTP/1.1\r\nHost: x\r\n\r\n");
        Instant date = HttpDate.parse(r.headers().get("date"));
        assertNotNull(date, r.headers().toString());
        assertTrue(Math.abs(date.getEpochSecond() - Instant.now().getEpochSecond()) < 60, date.toString());
    }

    @Test
    void methodNotAllowedCarriesAllow() throws Exception {
        RawHttp.Response r = oneOnOpenConnection("DELETE /405 HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(405, r.status());
        assertEquals("GET, HEAD", r.headers().get("allow"));
        assertEquals("405 Method Not Allowed\n", r.body());
    }

    @Test
    void statusTableHasRegisteredReasonPhrases() {
        assertEquals("Unauthorized", HttpResponseStatus.valueOf(401).reasonPhrase());
        assertEquals("Range Not Satisfiable", HttpResponseStatus.valueOf(416).reasonPhrase());
        assertEquals("Misdirected Request", HttpResponseStatus.valueOf(421).reasonPhrase());
        assertEquals("Unprocessable Content", HttpResponseStatus.valueOf(422).reasonPhrase());
        assertEquals("Too Many Requests", HttpResponseStatus.valueOf(429).reasonPhrase());
        assertEquals("Gateway Timeout", HttpResponseStatus.valueOf(504).reasonPhrase());
        assertEquals("Permanent Redirect", HttpResponseStatus.valueOf(308).reasonPhrase());
        assertEquals("Client Error", HttpResponseStatus.valueOf(499).reasonPhrase());
        for (int code = 100; code < 600; code++) {
            HttpResponseStatus s = HttpResponseStatus.valueOf(code);
            assertEquals(code, s.code());
        }
        assertEquals("if-none-match", HttpHeaderNames.IF_NONE_MATCH);
        assertEquals("www-authenticate", HttpHeaderNames.WWW_AUTHENTICATE);
    }

    @Test
    void httpDatesRoundTripInAllThreeFormats() {
        Instant t = Instant.parse("1994-11-06T08:49:37Z");
        assertEquals("Sun, 06 Nov 1994 08:49:37 GMT", HttpDate.format(t));
        assertEquals(t, HttpDate.parse("Sun, 06 Nov 1994 08:49:37 GMT"));
        assertEquals(t, HttpDate.parse("Sunday, 06-Nov-94 08:49:37 GMT"));
        assertEquals(t, HttpDate.parse("Sun Nov  6 08:49:37 1994"));
        assertNull(HttpDate.parse("yesterday"));
        assertEquals(HttpDate.now(), HttpDate.now().intern());
    }

    // ------------------------------------------------------------------ never two final responses

    @Test
    void malformedChunkAfterTheApplicationAnsweredClosesWithoutASecondResponse() throws Exception {
        String answer = exchange("POST /early HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;\r\nhello\r\n0\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(List.of(200), RawHttp.statuses(answer), answer);
        assertTrue(answer.endsWith("early"), answer);
        assertFalse(seen.contains("/next"));
    }

    @Test
    void malformedChunkWhileTheApplicationStreamsItsAnswerClosesWithoutASecondResponse() throws Exception {
        String answer = exchange("POST /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\nzz\r\n0\r\n\r\n");
        assertEquals(List.of(200), RawHttp.statuses(answer), answer);
        assertTrue(answer.contains("started"), answer);
        assertFalse(answer.endsWith("0\r\n\r\n"), "the cut-short chunked response is not ended: " + answer);
    }

    @Test
    void malformedChunkBeforeTheApplicationAnsweredGetsOne400() throws Exception {
        String answer = exchange("POST /late HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n5;\r\nworld\r\n0\r\n\r\n");
        onlyErrorResponse(answer, 400);
    }

    // ------------------------------------------------------------------ chunked framing

    @ParameterizedTest(name = "{index}: {0}")
    @ValueSource(strings = {
        "5;\r\nhello\r\n0\r\n\r\n",                     // bare semicolon
        "5;a\u0000b\r\nhello\r\n0\r\n\r\n",             // NUL in an extension
        "5;a=\"x\u0000\"\r\nhello\r\n0\r\n\r\n",        // NUL in a quoted extension value
        "5;a=\"x\u0001\"\r\nhello\r\n0\r\n\r\n",        // CTL in a quoted extension value
        "5;a=\"x\r\nhello\r\n0\r\n\r\n",                // unterminated quoted string
        "5 \r\nhello\r\n0\r\n\r\n",                     // whitespace without an extension
        "5;a \r\nhello\r\n0\r\n\r\n",                   // trailing whitespace after an extension name
        "5;=v\r\nhello\r\n0\r\n\r\n",                   // extension without a name
        "5;a=\r\nhello\r\n0\r\n\r\n",                   // '=' without a value
        "5;a=b c\r\nhello\r\n0\r\n\r\n",                // junk after a value
        "5;a;;b\r\nhello\r\n0\r\n\r\n",                 // empty extension between semicolons
        "5;a@=b\r\nhello\r\n0\r\n\r\n",                 // non-token name
        "0x5\r\nhello\r\n0\r\n\r\n",                    // hex prefix
        "+5\r\nhello\r\n0\r\n\r\n",                     // sign
        " 5\r\nhello\r\n0\r\n\r\n",                     // leading whitespace
        "\r\nhello\r\n0\r\n\r\n",                       // empty size
        "00000000000000005\r\nhello\r\n0\r\n\r\n",      // 17 hex digits
        "8000000000000000\r\nhello\r\n0\r\n\r\n",       // overflows a signed 64-bit length
        "5\nhello\r\n0\r\n\r\n",                        // bare LF after the size
        "5\rhello\r\n0\r\n\r\n",                        // bare CR after the size
        "5\r\nhello\n0\r\n\r\n",                        // bare LF after the data
        "5\r\nhello\r0\r\n\r\n",                        // bare CR after the data
        "5\r\nhelloXX\r\n0\r\n\r\n",                    // data longer than its size
        "0\r\nX-T: a\r\n b\r\n\r\n",                    // obs-fold in a trailer
        "0\r\nX-T: a\n\r\n",                            // bare LF in a trailer
        "0\r\nX-T : a\r\n\r\n",                         // whitespace before a trailer colon
        "0\r\nX-T: a\u0000\r\n\r\n",                    // NUL in a trailer value
        "0\n\r\n",                                      // bare LF after the last chunk
    })
    void chunkFramingFaultsGet400AndClose(String body) throws Exception {
        int before = seen.size();
        String answer = exchange("POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body
                + "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
        onlyErrorResponse(answer, 400);
        assertEquals(List.of("/chunked"), seen.subList(before, seen.size()));
    }

    @ParameterizedTest(name = "{index}: {0}")
    @ValueSource(strings = {
        "5;name=value;q=\"quo\\\"ted; str\"\r\nhello\r\n0\r\n\r\n",
        "5 ; a = b ;c\r\nhello\r\n0\r\n\r\n",
        "5\t;\ta\r\nhello\r\n0;last=1\r\n\r\n",
        "0005\r\nhello\r\n000\r\n\r\n",
        "A\r\nhellohello\r\n0\r\nX-Trailer: 1\r\nX-Other: two\r\n\r\n",
        "a\r\nhellohello\r\n0\r\n\r\n",
    })
    void validChunkedBodiesAreAccepted(String body) throws Exception {
        int length = body.contains("hellohello") ? 10 : 5;
        RawHttp.Response r = oneOnOpenConnection(
                "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
        assertEquals("POST /c host=x bytes=" + length, r.body());
    }

    @Test
    void chunkExtensionsAreBoundedPerBody() throws Exception {
        // 4096 bytes of extensions over many chunks are fine; one byte more is a 400.
        String ext = ";" + "e".repeat(99); // 100 bytes
        StringBuilder ok = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            ok.append("1").append(ext).append("\r\nx\r\n");
        }
        ok.append("1;").append("e".repeat(95)).append("\r\nx\r\n0\r\n\r\n"); // 4000 + 96 = 4096
        RawHttp.Response r = oneOnOpenConnection(
                "POST /ext HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + ok);
        assertEquals("POST /ext host=x bytes=41", r.body());
        String over = ok.toString().replace("1;" + "e".repeat(95), "1;" + "e".repeat(96));
        onlyErrorResponse(exchange("POST /ext HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + over),
                400);
    }

    @Test
    void trailerSectionIsBoundedLikeTheHeaders() throws Exception {
        String trailer = "X-T: " + "a".repeat(9000) + "\r\n";
        onlyErrorResponse(exchange("POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + trailer
                + "\r\n"), 431);
    }

    // ------------------------------------------------------------------ header size

    /** A request whose header section (field lines with their CRLFs) is exactly {@code size} bytes. */
    private static String headOfSize(int size, String terminator) {
        String first = "Host: x" + terminator;
        int fill = size - first.length() - "X-Fill: ".length() - terminator.length();
        return "GET /fit HTTP/1.1\r\n" + first + "X-Fill: " + "f".repeat(fill) + terminator + "\r\n";
    }

    @Test
    void headerSectionThatExactlyFitsIsAcceptedOneByteMoreIs431() throws Exception {
        RawHttp.Response r = oneOnOpenConnection(headOfSize(8192, "\r\n"));
        assertEquals(200, r.status());
        r = oneOnOpenConnection(headOfSize(8192, "\n"));
        assertEquals(200, r.status());
        onlyErrorResponse(exchange(headOfSize(8193, "\r\n")), 431);
        onlyErrorResponse(exchange(headOfSize(8193, "\n")), 431);
    }

    @Test
    void byteAtATimeHeadIsCopiedOnceAndTheExactFitIsAccepted() throws Exception {
        byte[] head = RawHttp.ascii(headOfSize(8192, "\r\n"));
        try (Socket socket = RawHttp.connect(server.port())) {
            socket.setTcpNoDelay(true);
            HttpServerCodec codec = awaitCodecOf(socket);
            OutputStream out = socket.getOutputStream();
            long base = bytesIn.get();
            for (int i = 0; i < head.length; i++) {
                out.write(head[i]);
                out.flush();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                // Wait until the server has read this byte, so every byte arrives in a read of its own.
                while (bytesIn.get() < base + i + 1 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
            }
            RawHttp.Response r = RawHttp.readResponse(socket.getInputStream());
            assertEquals(200, r.status());
            long copied = onLoop(() -> codec.lineBytesCopied);
            // Linear: every byte of the head is copied into the line reader once (the old parser re-copied the
            // partial line on every read: about 512 bytes per read here, four million in all).
            assertTrue(copied <= head.length, "copied " + copied + " bytes for a head of " + head.length);
        }
    }

    /** The codec of the connection {@code socket} just opened (the server creates them in order). */
    private static HttpServerCodec awaitCodecOf(Socket socket) throws Exception {
        // One request-response round trip makes sure the server set the connection up.
        socket.getOutputStream().write(RawHttp.ascii("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(200, RawHttp.readResponse(socket.getInputStream()).status());
        HttpServerCodec codec = lastCodec.get();
        long copied = onLoop(() -> codec.lineBytesCopied);
        onLoop(() -> codec.lineBytesCopied -= copied);
        return codec;
    }

    private static <T> T onLoop(java.util.function.Supplier<T> what) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        group.next().execute(() -> result.complete(what.get()));
        return result.get(10, TimeUnit.SECONDS);
    }

    // ------------------------------------------------------------------ smuggling, then a pipelined batch

    @ParameterizedTest(name = "{index}")
    @ValueSource(strings = {
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4, 5\r\n\r\nabcde",
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +4\r\n\r\nabcd",
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;\r\nhello\r\n0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\rTransfer-Encoding: chunked\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
        "GET /a#b HTTP/1.1\r\nHost: x\r\n\r\n",
    })
    void pipelinedBatchAfterASmugglingAttemptIsNeverAnswered(String attack) throws Exception {
        int before = seen.size();
        StringBuilder batch = new StringBuilder(attack);
        for (int i = 0; i < 3; i++) {
            batch.append("GET /smuggled").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        String answer = exchange(batch.toString());
        List<Integer> statuses = RawHttp.statuses(answer);
        assertEquals(1, statuses.size(), answer);
        assertTrue(statuses.get(0) == 400 || statuses.get(0) == 501, answer);
        for (String target : seen.subList(before, seen.size())) {
            assertFalse(target.startsWith("/smuggled"), "the application saw " + target);
        }
    }

    @Test
    void goodPipelinedRequestsBeforeABadOneAreAnsweredThenOnlyTheError() throws Exception {
        String answer = exchange("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "POST /3 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"
                + "GET /4 HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(List.of(200, 200, 400), RawHttp.statuses(answer), answer);
    }

    @Test
    void emptyLinesBeforeARequestAreIgnored() throws Exception {
        RawHttp.Response r = oneOnOpenConnection("\r\n\r\nGET /e HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals("GET /e host=x bytes=0", r.body());
    }
}
