package io.weft.codec.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.channel.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The server codec's timeouts on the embedded loop's virtual clock: exact, and no waiting. */
class HttpServerCodecTimeoutEmbeddedTest {

    private static String outbound(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        for (byte[] b; (b = ch.readOutboundBytes()) != null && b.length > 0; ) {
            sb.append(new String(b, StandardCharsets.ISO_8859_1));
        }
        return sb.toString();
    }

    @Test
    void headTimeoutFiresAtItsDeadlineNotBefore() {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(HttpDecoderConfig.DEFAULT,
                HttpServerConfig.DEFAULT.withRequestHeadTimeoutMillis(10_000)));
        ch.advanceTimeBy(4_000, TimeUnit.MILLISECONDS);
        ch.writeInboundBytes("GET / HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
        ch.advanceTimeBy(9_900, TimeUnit.MILLISECONDS);
        assertEquals("", outbound(ch), "nothing before the deadline");
        assertTrue(ch.isOpen());
        ch.advanceTimeBy(200, TimeUnit.MILLISECONDS);
        String answer = outbound(ch);
        assertTrue(answer.startsWith("HTTP/1.1 408 Request Timeout\r\n"), answer);
        assertTrue(answer.contains("connection: close\r\n"), answer);
        ch.runPendingTasks();
        assertTrue(ch.isOutputShutdown(), "a lingering close: output first");
        assertTrue(ch.isOpen(), "input is discarded for a while, so a client still sending gets no reset");
        ch.advanceTimeBy(2_000, TimeUnit.MILLISECONDS);
        assertFalse(ch.isOpen());
        ch.finishAndReleaseAll();
    }

    @Test
    void keepAliveTimeoutClosesQuietlyAfterTheLastResponse() {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(HttpDecoderConfig.DEFAULT,
                HttpServerConfig.DEFAULT.withKeepAliveTimeoutMillis(5_000)));
        ch.writeInboundBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        HttpRequest request = ch.readInbound();
        assertEquals("/", request.target());
        io.weft.buffer.ReferenceCounted.safeRelease(ch.readInbound()); // LastHttpContent
        ch.advanceTimeBy(30_000, TimeUnit.MILLISECONDS);
        assertTrue(ch.isOpen(), "the application is still answering: not idle");
        ch.writeAndFlush(new FullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, ch.allocator().allocate(0)));
        assertTrue(outbound(ch).startsWith("HTTP/1.1 200 OK\r\n"));
        ch.advanceTimeBy(4_900, TimeUnit.MILLISECONDS);
        assertTrue(ch.isOpen());
        ch.advanceTimeBy(200, TimeUnit.MILLISECONDS);
        ch.runPendingTasks();
        assertFalse(ch.isOpen());
        assertEquals("", outbound(ch));
        ch.finishAndReleaseAll();
    }
    private static EmbeddedChannel answered(HttpServerConfig config, String requests, String responseConnection) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(HttpDecoderConfig.DEFAULT, config));
        ch.writeInboundBytes(requests.getBytes(StandardCharsets.US_ASCII));
        HttpRequest request = ch.readInbound();
        assertEquals("/", request.target());
        for (Object part; (part = ch.readInbound()) != null; ) {
            io.weft.buffer.ReferenceCounted.safeRelease(part); // body parts, LastHttpContent if it arrived
        }
        FullHttpResponse response = new FullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                ch.allocator().allocate(0));
        if (responseConnection != null) {
            response.headers().set(HttpHeaderNames.CONNECTION, responseConnection);
        }
        ch.writeAndFlush(response);
        String answer = outbound(ch);
        assertTrue(answer.startsWith("HTTP/1.1 200 OK\r\n") && answer.contains("connection: close\r\n"), answer);
        ch.runPendingTasks();
        return ch;
    }

    /**
     * The client said its request was its last and sent nothing after it: closed at once, no linger (RFC 9112
     * section 9.6: it must not send more, so there is no reset to avoid). HTTP/1.0 without keep-alive alike.
     */
    @Test
    void aClientsLastRequestIsFollowedByAnImmediateClose() {
        for (String request : new String[] {"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "GET / HTTP/1.0\r\n\r\n"}) {
            EmbeddedChannel ch = answered(HttpServerConfig.DEFAULT, request, null);
            assertFalse(ch.isOpen(), request);
            assertFalse(ch.isOutputShutdown(), request);
            ch.finishAndReleaseAll();
        }
    }

    /**
     * The server ends a connection the client meant to keep (the application's {@code connection: close}, the
     * request cap), bytes followed the client's last request, or the answer came before the request's body: the
     * client may be sending, so the close lingers.
     */
    @Test
    void otherwiseTheCloseLingers() {
        EmbeddedChannel[] lingering = {
            answered(HttpServerConfig.DEFAULT, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "close"),
            answered(HttpServerConfig.DEFAULT.withMaxRequestsPerConnection(1),
                    "GET / HTTP/1.1\r\nHost: x\r\n\r\n", null),
            answered(HttpServerConfig.DEFAULT,
                    "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /more HTTP/1.1\r\n", null),
            // Answered before its body arrived: the client is still sending it.
            answered(HttpServerConfig.DEFAULT,
                    "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 10\r\n\r\nabc", null),
        };
        for (EmbeddedChannel ch : lingering) {
            assertTrue(ch.isOutputShutdown());
            assertTrue(ch.isOpen());
            ch.advanceTimeBy(2_000, TimeUnit.MILLISECONDS);
            assertFalse(ch.isOpen());
            ch.finishAndReleaseAll();
        }
    }
}
