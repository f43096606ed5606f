package io.weft.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Server;
import io.weft.loop.EventLoopGroup;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The hello server's answers to what is not a plain GET, over a raw socket. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpHelloServerTest {

    private static EventLoopGroup group;
    private static Server hello;

    @BeforeAll
    static void start() {
        group = new EventLoopGroup(1);
        hello = HttpHelloServer.start(group, "127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        hello.close();
        group.close();
    }

    /** Sends {@code request} and reads until the server closes. */
    private static String exchange(String request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", hello.port())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    bytes.write(buf, 0, n);
                }
            } catch (SocketException e) {
                // A reset after the answer: what was read is the answer.
            }
            return bytes.toString(StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void methodNotAllowedSaysWhatIsAllowed() throws Exception {
        String answer = exchange("DELETE /plaintext HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 405 Method Not Allowed\r\n"), answer);
        assertTrue(answer.contains("\r\nallow: GET, HEAD\r\n"), answer);
        assertTrue(answer.contains("\r\ndate: "), answer);
    }

    @Test
    void malformedChunkAfterTheAnswerClosesWithoutASecondResponse() throws Exception {
        // The hello server answers on the request head; the body then turns out malformed (a bare ';').
        String answer = exchange("POST /plaintext HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;\r\nhello\r\n0\r\n\r\nGET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 405 "), answer);
        assertEquals(answer.indexOf("HTTP/1.1"), answer.lastIndexOf("HTTP/1.1"), "one response only: " + answer);
        assertFalse(answer.contains("400"), answer);
    }
}
