package io.weft.codec.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.weft.buffer.ReferenceCounted;
import io.weft.channel.EmbeddedChannel;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The request decoder does not parse again a request line or a field line equal byte for byte to the one it parsed
 * at the same position of the previous request on the connection. Whatever differs, however little, is parsed and
 * checked as usual, so the shortcut never lets through what the full parse refuses nor mixes up fields.
 */
@Timeout(10)
class HttpRepeatedLinesTest {

    /** What one connection decoded: the requests, then the error that ended it (or null). */
    private record Decoded(List<HttpRequest> requests, Throwable error, String bodies) {
    }

    private static Decoded decode(String... requests) {
        return decode(false, requests);
    }

    /** Decodes each of {@code requests} as one read; {@code meddle}: the application changes every request it gets. */
    private static Decoded decode(boolean meddle, String... requests) {
        List<HttpRequest> seen = new ArrayList<>();
        StringBuilder bodies = new StringBuilder();
        Throwable[] error = new Throwable[1];
        EmbeddedChannel ch = new EmbeddedChannel(new HttpRequestDecoder(), new Handler() {
            @Override
            public void channelRead(HandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest r) {
                    seen.add(r);
                    if (meddle) {
                        seen.set(seen.size() - 1, new HttpRequest(r.version(), r.method(), r.target(),
                                r.headers().copy()));
                        r.target("/changed");
                        r.headers().set(HttpHeaderNames.HOST, "changed").add("x-added", "1");
                        r.headers().remove("accept");
                    }
                } else if (msg instanceof HttpContent c && c.readableBytes() > 0) {
                    bodies.append(c.content().toString(StandardCharsets.ISO_8859_1)).append('|');
                }
                ReferenceCounted.safeRelease(msg);
            }

            @Override
            public void exceptionCaught(HandlerContext ctx, Throwable cause) {
                error[0] = cause;
            }
        });
        for (String request : requests) { // one read each, as a keep-alive client sends them
            ch.writeInboundBytes(request.getBytes(StandardCharsets.ISO_8859_1));
        }
        ch.finishAndReleaseAll();
        return new Decoded(seen, error[0], bodies.toString());
    }

    private static String fields(HttpRequest r) {
        StringBuilder sb = new StringBuilder();
        HttpHeaders h = r.headers();
        for (int i = 0; i < h.size(); i++) {
            sb.append(h.nameAt(i)).append('=').append(h.valueAt(i)).append(';');
        }
        return sb.toString();
    }

    @Test
    void repeatedRequestsDecodeToTheSameRequestSharingItsStrings() {
        String request = "GET /plaintext?x=1 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: wrk/4.2.0\r\n"
                + "Accept:  text/plain \r\nX-Custom-Name: v\r\n\r\n";
        Decoded d = decode(request, request, request);
        assertNull(d.error());
        assertEquals(3, d.requests().size());
        HttpRequest first = d.requests().get(0);
        for (HttpRequest r : d.requests()) {
            assertEquals("/plaintext?x=1", r.target());
            assertEquals("/plaintext", r.path());
            assertEquals(HttpMethod.GET, r.method());
            assertEquals(HttpVersion.HTTP_1_1, r.version());
            assertEquals("host=example.com:8080;user-agent=wrk/4.2.0;accept=text/plain;X-Custom-Name=v;", fields(r));
            assertSame(HttpHeaderNames.HOST, r.headers().nameAt(0));
        }
        HttpRequest third = d.requests().get(2);
        assertSame(first.target(), third.target());
        for (int i = 0; i < first.headers().size(); i++) {
            assertSame(first.headers().valueAt(i), third.headers().valueAt(i));
        }
    }

    @Test
    void aLineThatDiffersInOneByteIsParsedAgain() {
        Decoded d = decode(
                "GET /a HTTP/1.1\r\nHost: a\r\nX-N: 1\r\n\r\n",
                "GET /b HTTP/1.1\r\nHost: b\r\nX-N: 2\r\n\r\n",
                "GET /a?q HTTP/1.1\r\nhost: b\r\nX-n: 2\r\n\r\n",
                "PUT /a?q HTTP/1.1\r\nhost: b\r\nContent-Length: 0\r\n\r\n",
                "GET /a?q HTTP/1.0\r\nX-N: 2\r\nhost: b\r\n\r\n");
        assertNull(d.error());
        List<String> seen = d.requests().stream()
                .map(r -> r.method() + " " + r.target() + " " + r.path() + " " + r.version() + " " + fields(r))
                .toList();
        assertEquals(List.of(
                "GET /a /a HTTP/1.1 host=a;X-N=1;",
                "GET /b /b HTTP/1.1 host=b;X-N=2;",
                "GET /a?q /a HTTP/1.1 host=b;X-n=2;",
                "PUT /a?q /a HTTP/1.1 host=b;content-length=0;",
                "GET /a?q /a HTTP/1.0 X-N=2;host=b;"), seen);
    }

    @Test
    void aBadLineAfterAGoodOneAtTheSamePositionIsRefused() {
        Decoded badHost = decode("GET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET / HTTP/1.1\r\nHost: a@\r\n\r\n");
        assertEquals(1, badHost.requests().size());
        assertInstanceOf(MalformedHttpException.class, badHost.error());

        Decoded control = decode("GET / HTTP/1.1\r\nHost: a\r\nX: ab\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u0001\r\n\r\n");
        assertEquals(1, control.requests().size());
        assertInstanceOf(MalformedHttpException.class, control.error());

        Decoded space = decode("GET / HTTP/1.1\r\nHost: a\r\nX-Y: 1\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\nX Y: 1\r\n\r\n");
        assertEquals(1, space.requests().size());
        assertInstanceOf(MalformedHttpException.class, space.error());

        Decoded target = decode("GET /a HTTP/1.1\r\nHost: a\r\n\r\n", "GET /# HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(1, target.requests().size());
        assertInstanceOf(MalformedHttpException.class, target.error());
    }

    @Test
    void repeatedLinesStillCountTowardsFramingChecks() {
        // The same host line twice in one head: the second one sits where the first request had another field.
        Decoded twoHosts = decode("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n");
        assertEquals(1, twoHosts.requests().size());
        assertInstanceOf(MalformedHttpException.class, twoHosts.error());

        Decoded smuggle = decode(
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
        assertEquals(1, smuggle.requests().size());
        assertInstanceOf(HttpRequestSmugglingException.class, smuggle.error());
    }

    @Test
    void absoluteFormTargetsReplaceTheHostEveryTime() {
        String request = "GET http://origin.example:81/p?q HTTP/1.1\r\nHost: other\r\n\r\n";
        Decoded d = decode(request, request);
        assertNull(d.error());
        assertEquals(2, d.requests().size());
        for (HttpRequest r : d.requests()) {
            assertEquals("/p?q", r.target());
            assertEquals("origin.example:81", r.headers().get(HttpHeaderNames.HOST));
        }
        Decoded mixed = decode(request, "GET /p?q HTTP/1.1\r\nHost: other\r\n\r\n");
        assertEquals("other", mixed.requests().get(1).headers().get(HttpHeaderNames.HOST));
    }

    @Test
    void longLinesAreParsedEveryTime() {
        String longValue = "v".repeat(1000);
        String longTarget = "/" + "t".repeat(1000);
        String request = "GET " + longTarget + " HTTP/1.1\r\nHost: a\r\nX-Long: " + longValue + "\r\n\r\n";
        Decoded d = decode(request, request);
        assertNull(d.error());
        for (HttpRequest r : d.requests()) {
            assertEquals(longTarget, r.target());
            assertEquals(longValue, r.headers().get("x-long"));
        }
    }

    @Test
    void pipelinedSplitAndInterleavedHeadsDecodeAsTheyWould() {
        String a = "GET /a?x HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n";
        String post = "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n";
        String absolute = "GET http://other:1/z HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n";
        String big = "GET /big HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(1500) + "\r\n\r\n";
        Decoded d = decode(a + a + a, a.substring(0, 10), a.substring(10) + a, post + "one" + post + "two",
                absolute, a, big, big, a, absolute + absolute, a + post.substring(0, 40), post.substring(40) + "thr");
        assertNull(d.error());
        List<String> seen = d.requests().stream()
                .map(r -> r.method() + " " + r.target() + " " + r.path() + " " + fields(r).replace("b".repeat(1500), "B"))
                .toList();
        String ga = "GET /a?x /a host=a;accept=*/*;";
        String gp = "POST /p /p host=a;content-length=3;";
        String gz = "GET /z /z host=other:1;accept=*/*;";
        String gb = "GET /big /big host=a;X-Big=B;";
        assertEquals(List.of(ga, ga, ga, ga, ga, gp, gp, gz, ga, gb, gb, ga, gz, gz, ga, gp), seen);
        assertEquals("one|two|thr|", d.bodies());
    }

    @Test
    void whatTheApplicationChangesInARequestDoesNotReachTheNextOne() {
        String a = "GET /a HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n";
        Decoded d = decode(true, a, a + a, a);
        assertNull(d.error());
        assertEquals(4, d.requests().size());
        for (HttpRequest r : d.requests()) {
            assertEquals("/a", r.target());
            assertEquals("host=a;accept=*/*;", fields(r));
        }
    }
}
