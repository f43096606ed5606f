package io.weft.codec.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Server;
import io.weft.buffer.ReferenceCounted;
import io.weft.codec.frame.LengthFieldFrameDecoder;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import io.weft.testing.log.LogCapture;
import io.weft.testing.log.LogEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.event.Level;

/**
 * Logs are for operators (architecture rule 11): a thousand misbehaving peers — garbage, a close or a reset in
 * the middle of a frame, plaintext on a TLS port, a failed or reset handshake — leave nothing at INFO or above
 * and no stack trace, only one DEBUG line each; a fault of the program still logs WARN with its trace, at most
 * {@link #PERMITS} times a minute however many connections hit it.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class PeerFaultLoggingTest {

    /** {@code io.weft.internal.log.ThrottledLog.DEFAULT_PERMITS} (core-internal: not exported to this module). */
    private static final int PERMITS = 10;
    private static EventLoopGroup group;
    private static SSLContext serverContext;
    private static SSLContext untrustingClientContext;

    @BeforeAll
    static void start() throws Exception {
        group = new EventLoopGroup(2);
        serverContext = TlsTestSupport.server().serverContext();
        untrustingClientContext = TlsTestSupport.untrusted().clientContext(); // trusts another certificate only
    }

    @AfterAll
    static void stop() {
        group.close();
    }

    /** Releases what it reads. */
    private static final class Sink implements Handler {
        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            ReferenceCounted.safeRelease(msg);
        }
    }

    private enum Misbehaviour { GARBAGE, EOF_MID_FRAME, RESET_MID_FRAME, PLAINTEXT_ON_TLS, UNTRUSTED_HANDSHAKE,
        RESET_MID_HANDSHAKE }

    @Test
    void aThousandMisbehavingPeersLogNothingAtInfoOrAboveAndNoTrace() throws Exception {
        int connections = 1_000;
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger closed = new AtomicInteger();
        List<Server> servers = new ArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try (LogCapture logs = LogCapture.start()) {
            Server framed = Server.builder().group(group).childHandler(ch -> {
                accepted.incrementAndGet();
                ch.closeFuture().whenComplete((v, t) -> closed.incrementAndGet());
                ch.pipeline().addLast("frame", new LengthFieldFrameDecoder(1024, 4)).addLast("app", new Sink());
            }).bind("127.0.0.1", 0);
            servers.add(framed);
            Server tls = Server.builder().group(group).childHandler(ch -> {
                accepted.incrementAndGet();
                ch.closeFuture().whenComplete((v, t) -> closed.incrementAndGet());
                ch.pipeline().addLast("tls", TlsHandler.server(serverContext).build()).addLast("app", new Sink());
            }).bind("127.0.0.1", 0);
            servers.add(tls);

            Misbehaviour[] kinds = Misbehaviour.values();
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                Misbehaviour kind = kinds[i % kinds.length];
                InetSocketAddress target = kind.ordinal() < Misbehaviour.PLAINTEXT_ON_TLS.ordinal()
                        ? framed.localAddress() : tls.localAddress();
                done.add(clients.submit(() -> {
                    misbehave(kind, target);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
            awaitTrue(() -> accepted.get() == connections && closed.get() == connections,
                    () -> "accepted " + accepted + ", closed " + closed + " of " + connections);

            List<LogEvent> loud = logs.atLeast(Level.INFO);
            assertTrue(loud.size() <= 3, () -> loud.size() + " lines at INFO or above:\n" + dump(loud));
            List<LogEvent> traced = logs.events().stream().filter(e -> e.throwable() != null)
                    .collect(Collectors.toList());
            assertEquals(List.of(), traced, "peer-caused events are logged without a stack trace");
            // Each kind of fault did happen and was reported, as one DEBUG line.
            List<LogEvent> debug = logs.at(Level.DEBUG);
            for (String seen : new String[] {"TooLongFrameException", "CorruptFrameException: channel closed",
                "Connection reset", "NotSslRecordException", "TlsHandshakeException"}) {
                assertTrue(debug.stream().anyMatch(e -> e.message().contains(seen)),
                        () -> "no DEBUG line mentions " + seen + ":\n" + dump(debug));
            }
        } finally {
            clients.shutdownNow();
            servers.forEach(Server::close);
        }
    }

    /** A bug in a handler, hit by every connection. */
    private static final class HandlerBug extends RuntimeException {
        HandlerBug() {
            super("a bug in the application's handler");
        }
    }

    @Test
    void aFaultOfTheProgramStillLogsWarnWithItsTraceRateLimited() throws Exception {
        int connections = 50;
        AtomicInteger faults = new AtomicInteger();
        AtomicInteger closed = new AtomicInteger();
        Server server = null;
        try (LogCapture logs = LogCapture.start()) {
            server = Server.builder().group(group).childHandler(ch -> {
                ch.closeFuture().whenComplete((v, t) -> closed.incrementAndGet());
                ch.pipeline().addLast("buggy", new Handler() {
                    @Override
                    public void channelRead(HandlerContext ctx, Object msg) {
                        ReferenceCounted.safeRelease(msg);
                        faults.incrementAndGet();
                        throw new HandlerBug();
                    }
                });
            }).bind("127.0.0.1", 0);
            for (int i = 0; i < connections; i++) {
                try (Socket s = new Socket()) {
                    s.connect(server.localAddress(), 10_000);
                    s.getOutputStream().write(1);
                }
            }
            awaitTrue(() -> faults.get() == connections && closed.get() == connections,
                    () -> "faults " + faults + ", closed " + closed + " of " + connections);

            List<LogEvent> warnings = logs.atLeast(Level.WARN);
            assertEquals(PERMITS, warnings.size(), () -> dump(warnings));
            for (LogEvent e : warnings) {
                assertEquals(Level.WARN, e.level());
                assertTrue(e.throwable() instanceof HandlerBug, e::toString);
                assertTrue(e.message().contains("unhandled exception reached the end of the pipeline"), e::toString);
            }
            assertEquals(warnings.size(), logs.atLeast(Level.INFO).size(), logs::dump);
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    private static void misbehave(Misbehaviour kind, InetSocketAddress target) throws IOException {
        if (kind == Misbehaviour.UNTRUSTED_HANDSHAKE) {
            try (SSLSocket s = (SSLSocket) untrustingClientContext.getSocketFactory().createSocket()) {
                s.connect(target, 10_000);
                s.setSoTimeout(30_000);
                s.startHandshake();
                throw new AssertionError("the handshake with an untrusted certificate succeeded");
            } catch (SSLException expected) {
                return;
            }
        }
        try (Socket s = new Socket()) {
            s.connect(target, 10_000);
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            switch (kind) {
                case GARBAGE -> out.write(ByteBuffer.allocate(16).putInt(Integer.MAX_VALUE).array());
                case EOF_MID_FRAME -> {
                    out.write(ByteBuffer.allocate(14).putInt(100).array());
                    s.shutdownOutput();
                }
                case RESET_MID_FRAME, RESET_MID_HANDSHAKE -> {
                    if (kind == Misbehaviour.RESET_MID_FRAME) {
                        out.write(ByteBuffer.allocate(14).putInt(100).array());
                    } else {
                        // The first bytes of a TLS handshake record announcing 512 bytes, then a reset.
                        out.write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03});
                    }
                    s.setSoLinger(true, 0);
                    return; // close() now sends RST
                }
                case PLAINTEXT_ON_TLS -> out.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                default -> throw new AssertionError(kind);
            }
            out.flush();
            drainUntilClosed(s.getInputStream());
        }
    }

    /** Waits for the server to close the connection (its close is what the test is about). */
    private static void drainUntilClosed(InputStream in) {
        byte[] sink = new byte[4096];
        try {
            while (in.read(sink) >= 0) {
                // discard
            }
        } catch (IOException reset) {
            // the server may reset: it closed with unread input
        }
    }

    private static void awaitTrue(BooleanSupplier condition, java.util.function.Supplier<String> what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out: " + what.get());
            }
            Thread.sleep(10);
        }
    }

    private static String dump(List<LogEvent> events) {
        return events.stream().limit(30).map(LogEvent::toString).collect(Collectors.joining("\n"));
    }
}
