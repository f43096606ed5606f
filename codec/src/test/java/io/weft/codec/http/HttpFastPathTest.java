package io.weft.codec.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.EmbeddedChannel;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shortcuts the pipelined fast path takes give the answers of the slow path: a decoded request's path (the
 * parser finds the query once), and the server codec's one-pass look at a response's framing fields, whatever case
 * or spelling the application used for their names.
 */
@Timeout(10)
class HttpFastPathTest {

    private static List<HttpRequest> decode(String... requests) {
        List<HttpRequest> seen = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new HttpRequestDecoder(), new Handler() {
            @Override
            public void channelRead(HandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest r) {
                    seen.add(r);
                }
                ReferenceCounted.safeRelease(msg);
            }
        });
        ch.writeInboundBytes(String.join("", requests).getBytes(StandardCharsets.ISO_8859_1));
        ch.finishAndReleaseAll();
        return seen;
    }

    @Test
    void pathOfDecodedTargetsMatchesThePathOfTheSameTargetBuiltByHand() {
        List<HttpRequest> rs = decode(
                "GET /plaintext HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET /search?q=a?b&x=%20 HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET /? HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET http://example.com/p/q?z HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET http://example.com HTTP/1.1\r\nHost: a\r\n\r\n",
                "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(List.of("/plaintext", "/search", "/", "/p/q", "/", "*"), rs.stream().map(HttpRequest::path).toList());
        for (HttpRequest r : rs) {
            assertEquals(new HttpRequest(r.version(), r.method(), r.target()).path(), r.path(), r.target());
        }
        HttpRequest plain = rs.get(0);
        assertSame(plain.target(), plain.path(), "no query: the target itself, no copy");
        plain.target("/other?x=1");
        assertEquals("/other", plain.path(), "a new target forgets the decoded path");
        plain.target("/third");
        assertEquals("/third", plain.path());
    }

    /** Writes one response prepared by {@code fill} to a fresh server connection and returns the bytes sent. */
    private static String answer(String request, Consumer<FullHttpResponse> fill) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(), new Handler() {
            @Override
            public void channelRead(HandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest) {
                    FullHttpResponse response = new FullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            ctx.alloc().copyOf("hello".getBytes(StandardCharsets.US_ASCII)));
                    fill.accept(response);
                    ctx.writeAndFlush(response);
                }
                ReferenceCounted.safeRelease(msg);
            }
        });
        ch.writeInboundBytes(request.getBytes(StandardCharsets.ISO_8859_1));
        String out = written(ch);
        ch.finishAndReleaseAll();
        return out.toLowerCase(java.util.Locale.ROOT);
    }

    /** Everything {@code ch} wrote so far, as ISO-8859-1 text; the buffers are released. */
    private static String written(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            Buffer b = (Buffer) o;
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    private static final String GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

    @Test
    void framingFieldsSpelledByTheApplicationAreRecognisedInAnyCase() {
        String out = answer(GET, r -> r.headers().add("Content-Length", "5").add("DATE", "Thu, 01 Jan 2026 00:00:00 GMT")
                .add("Connection", "Keep-Alive, CLOSE"));
        assertEquals(1, count(out, "content-length:"), out);
        assertEquals(1, count(out, "date:"), out);
        assertEquals(1, count(out, "connection:"), out);
        assertTrue(out.contains("date: thu, 01 jan 2026"), out);
    }

    @Test
    void missingFramingFieldsAreAdded() {
        String out = answer(GET, r -> r.headers().add("X-Other", "1"));
        assertTrue(out.contains("content-length: 5\r\n"), out);
        assertEquals(1, count(out, "date:"), out);
        assertFalse(out.contains("connection:"), out);
        String http10 = answer("GET / HTTP/1.0\r\n\r\n", r -> r.headers().add("Transfer-Encoding", "chunked"));
        assertFalse(http10.contains("transfer-encoding"), "HTTP/1.0 has no chunked coding: " + http10);
        assertTrue(http10.contains("content-length: 5\r\n"), http10);
        assertTrue(http10.contains("connection: close"), http10);
    }

    @Test
    void aCloseOptionInTheResponseEndsTheConnectionWithoutASecondConnectionField() {
        String out = answer(GET + GET, r -> r.headers().add("CONNECTION", "close"));
        assertEquals(1, count(out, "http/1.1 200"), "the second pipelined request is not answered: " + out);
        assertEquals(1, count(out, "connection:"), out);
    }

    @Test
    void everyResponseGetsADateWhetherWrittenInTheReadOrLater() {
        List<HttpRequest> late = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(), new Handler() {
            @Override
            public void channelRead(HandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest r) {
                    if (r.path().equals("/later")) {
                        late.add(r);
                    } else {
                        ctx.write(new FullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                                ctx.alloc().copyOf("now".getBytes(StandardCharsets.US_ASCII))));
                    }
                }
                ReferenceCounted.safeRelease(msg);
            }

            @Override
            public void channelReadComplete(HandlerContext ctx) {
                ctx.flush();
            }
        });
        ch.writeInboundBytes((GET + GET + "GET /later HTTP/1.1\r\nHost: a\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(1, late.size());
        ch.writeAndFlush(new FullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                ch.allocator().copyOf("later".getBytes(StandardCharsets.US_ASCII))));
        String out = written(ch);
        ch.finishAndReleaseAll();
        assertEquals(3, count(out, "HTTP/1.1 200 OK\r\n"), out);
        assertEquals(3, count(out, "\r\ndate: "), out);
        assertTrue(out.matches("(?s)(HTTP/1.1 200 OK\r\n(?:(?!date: )[a-z-]+: [^\r]*\r\n)*date: [A-Z][a-z]{2}, \\d\\d "
                + "[A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d GMT\r\n(?:[a-z-]+: [^\r]*\r\n)*\r\n(now|later))+"), out);
    }
}
