package io.weft.codec.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Server;
import io.weft.buffer.ReferenceCounted;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import io.weft.testing.log.LogCapture;
import io.weft.testing.log.LogEvent;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.event.Level;

/**
 * Architecture rule 11 for TLS: a peer-caused failure — plaintext on the TLS port, a failed handshake, a reset in
 * the middle of one — is one DEBUG line without a trace, whoever logs it; nothing at INFO or above.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsLoggingTest {

    private static EventLoopGroup group;
    private static SSLContext serverContext;
    private static SSLContext untrustingClientContext;
    private static SSLContext clientContext;

    @BeforeAll
    static void start() throws Exception {
        group = new EventLoopGroup(1);
        serverContext = TlsTestSupport.server().serverContext();
        clientContext = TlsTestSupport.server().clientContext();
        untrustingClientContext = TlsTestSupport.untrusted().clientContext();
    }

    @AfterAll
    static void stop() {
        group.close();
    }

    private interface Misbehaviour {
        void run(int port) throws Exception;
    }

    private static void assertOneDebugLine(String what, Misbehaviour peer) throws Exception {
        LinkedBlockingQueue<CompletableFuture<Void>> closed = new LinkedBlockingQueue<>();
        try (LogCapture logs = LogCapture.start()) {
            Server server = Server.builder().group(group).childHandler(ch -> {
                CompletableFuture<Void> done = new CompletableFuture<>();
                ch.closeFuture().whenComplete((v, t) -> done.complete(null));
                closed.add(done);
                ch.pipeline().addLast("tls", TlsHandler.server(serverContext).build()).addLast("app", new Handler() {
                    @Override
                    public void channelRead(HandlerContext ctx, Object msg) {
                        ReferenceCounted.safeRelease(msg);
                    }
                });
            }).bind("127.0.0.1", 0);
            try {
                peer.run(server.port());
                closed.poll(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
                // Let the loop finish the close (what is logged happens on it, before the next task).
                CompletableFuture<Void> drained = new CompletableFuture<>();
                group.next().execute(() -> drained.complete(null));
                drained.get(10, TimeUnit.SECONDS);
            } finally {
                server.close();
            }
            List<LogEvent> weft = logs.events().stream().filter(e -> e.logger().startsWith("io.weft"))
                    .collect(Collectors.toList());
            assertEquals(1, weft.size(), what + ": " + logs.dump());
            assertEquals(Level.DEBUG, weft.get(0).level(), what + ": " + logs.dump());
            assertEquals(null, weft.get(0).throwable(), what + ": a trace was logged");
        }
    }

    @Test
    void plaintextOnTheTlsPortIsOneDebugLine() throws Exception {
        assertOneDebugLine("plaintext", port -> {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getInputStream().readAllBytes();
            }
        });
    }

    @Test
    void aFailedHandshakeIsOneDebugLine() throws Exception {
        assertOneDebugLine("untrusted certificate", port -> {
            try (SSLSocket s = (SSLSocket) untrustingClientContext.getSocketFactory().createSocket(
                    InetAddress.getByName("127.0.0.1"), port)) {
                s.setSoTimeout(10_000);
                s.startHandshake();
            } catch (SSLException expected) {
                // The client refuses the server's certificate.
            }
        });
    }

    @Test
    void aResetInTheMiddleOfTheHandshakeIsOneDebugLine() throws Exception {
        assertOneDebugLine("reset mid-handshake", port -> {
            SSLEngine client = clientContext.createSSLEngine("localhost", port);
            client.setUseClientMode(true);
            ByteBuffer hello = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
            client.beginHandshake();
            client.wrap(ByteBuffer.allocate(0), hello);
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.getOutputStream().write(hello.array(), 0, hello.position());
                s.getOutputStream().flush();
                s.getInputStream().read(); // the server's first flight
                s.setSoLinger(true, 0); // close with RST
            }
        });
    }
}
