package io.weft.codec.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Server;
import io.weft.buffer.ReferenceCounted;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpContentCompressorTest {

    private static final String TEXT = "Weft compresses this line because it repeats. ".repeat(400);
    private static EventLoopGroup group;
    private static Server server;

    /** {@code /big}: a compressible full response; {@code /small}: 5 bytes; {@code /stream}: streamed. */
    static final class Pages implements Handler {
        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request) {
                String body = request.path().equals("/small") ? "small" : TEXT;
                if (request.path().equals("/stream")) {
                    HttpResponse head = new HttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    ctx.write(head);
                    ctx.write(new HttpContent(ctx.alloc().copyOf(body, StandardCharsets.US_ASCII)));
                    ctx.write(LastHttpContent.EMPTY);
                } else {
                    FullHttpResponse response = new FullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            ctx.alloc().copyOf(body, StandardCharsets.US_ASCII));
                    response.headers().add(HttpHeaderNames.CONTENT_TYPE, "text/plain");
                    ctx.write(response);
                }
            }
            ReferenceCounted.safeRelease(msg);
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
            ctx.flush();
        }
    }

    @BeforeAll
    static void start() {
        group = new EventLoopGroup(1);
        server = Server.builder().group(group)
                .childHandler(ch -> ch.pipeline()
                        .addLast("http", new HttpServerCodec())
                        .addLast("gzip", new HttpContentCompressor())
                        .addLast("pages", new Pages()))
                .bind("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.close();
        group.close();
    }

    private static java.net.http.HttpResponse<byte[]> get(String path, String acceptEncoding) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        var builder = java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        if (acceptEncoding != null) {
            builder.header("Accept-Encoding", acceptEncoding);
        }
        return client.send(builder.build(), BodyHandlers.ofByteArray());
    }

    @Test
    void gzipsFullResponsesForClientsThatAcceptIt() throws Exception {
        var response = get("/big", "deflate, gzip;q=0.8");
        assertEquals("gzip", response.headers().firstValue("content-encoding").orElseThrow());
        assertEquals("accept-encoding", response.headers().firstValue("vary").orElseThrow());
        assertEquals(String.valueOf(response.body().length),
                response.headers().firstValue("content-length").orElseThrow());
        assertTrue(response.body().length < TEXT.length() / 10, "compressed to " + response.body().length);
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(response.body()))) {
            assertEquals(TEXT, new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void leavesResponsesAloneWhenGzipIsNotWantedOrNotWorthIt() throws Exception {
        for (String accept : new String[] {null, "gzip;q=0", "br"}) {
            var response = get("/big", accept);
            assertFalse(response.headers().firstValue("content-encoding").isPresent(), accept);
            assertEquals(TEXT, new String(response.body(), StandardCharsets.US_ASCII));
        }
        var small = get("/small", "gzip");
        assertFalse(small.headers().firstValue("content-encoding").isPresent());
        assertEquals("small", new String(small.body(), StandardCharsets.US_ASCII));
        var streamed = get("/stream", "gzip");
        assertFalse(streamed.headers().firstValue("content-encoding").isPresent());
        assertEquals(TEXT, new String(streamed.body(), StandardCharsets.US_ASCII));
    }

    @Test
    void curlDecompressesTheBody() throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("curl", "-sS", "--compressed", "--max-time", "30", "-D", "-",
                    "http://127.0.0.1:" + server.port() + "/big").redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            Assumptions.abort("curl is not installed");
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertTrue(out.contains("content-encoding: gzip"), out.substring(0, Math.min(300, out.length())));
        assertTrue(out.endsWith(TEXT));
    }

    @Test
    void acceptEncodingParsing() {
        assertTrue(HttpContentCompressor.acceptsGzip(new HttpHeaders().add("Accept-Encoding", "gzip")));
        assertTrue(HttpContentCompressor.acceptsGzip(new HttpHeaders().add("accept-encoding", "br, *;q=0.1")));
        assertFalse(HttpContentCompressor.acceptsGzip(new HttpHeaders().add("Accept-Encoding", "gzip; q=0")));
        assertFalse(HttpContentCompressor.acceptsGzip(new HttpHeaders().add("Accept-Encoding", "identity")));
        assertFalse(HttpContentCompressor.acceptsGzip(new HttpHeaders()));
    }
}
