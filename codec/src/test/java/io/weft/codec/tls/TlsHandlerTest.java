package io.weft.codec.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.channel.TcpChannel;
import io.weft.codec.DecoderException;
import io.weft.codec.tls.TlsTestSupport.Probe;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import io.weft.testing.Collector;
import io.weft.testing.EchoHandler;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Weft TLS client against Weft TLS server over loopback. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsHandlerTest {

    private static EventLoopGroup serverGroup;
    private static EventLoopGroup clientGroup;
    private static SSLContext serverContext;
    private static SSLContext clientContext;

    private final List<Server> servers = new ArrayList<>();
    private final List<TcpChannel> channels = new ArrayList<>();
    private final LinkedBlockingQueue<Probe> accepted = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws Exception {
        serverGroup = new EventLoopGroup(2);
        clientGroup = new EventLoopGroup(2);
        serverContext = TlsTestSupport.server().serverContext();
        clientContext = TlsTestSupport.server().clientContext();
    }

    @AfterEach
    void closeConnections() throws Exception {
        for (TcpChannel ch : channels) {
            ch.close().get(10, TimeUnit.SECONDS);
        }
        for (Server s : servers) {
            s.close();
        }
    }

    @AfterAll
    static void stop() {
        clientGroup.close();
        serverGroup.close();
    }

    /** An echo server whose connections each get a fresh handler from {@code tls} and a probe. */
    private Server echoServer(TlsHandler.Builder tls) {
        Server server = Server.builder().group(serverGroup).childHandler(ch -> {
            Probe probe = new Probe();
            ch.pipeline().addLast("tls", tls.build()).addLast("probe", probe).addLast("echo", new EchoHandler());
            accepted.add(probe);
        }).bind("127.0.0.1", 0);
        servers.add(server);
        return server;
    }

    private TcpChannel connect(Server server, TlsHandler tls, Handler... rest) throws Exception {
        TcpChannel ch = Client.builder().group(clientGroup).handler(c -> {
            c.pipeline().addLast("tls", tls);
            for (int i = 0; i < rest.length; i++) {
                c.pipeline().addLast("h" + i, rest[i]);
            }
        }).connect(server.localAddress()).get(10, TimeUnit.SECONDS);
        channels.add(ch);
        return ch;
    }

    private static TlsHandler.Builder client() {
        return TlsHandler.client(clientContext).serverName("localhost");
    }

    private static void writeInChunks(TcpChannel channel, byte[] payload, int chunk) {
        for (int offset = 0; offset < payload.length; offset += chunk) {
            int length = Math.min(chunk, payload.length - offset);
            Buffer buffer = channel.allocator().allocate(length);
            buffer.writeBytes(payload, offset, length);
            channel.write(buffer);
        }
        channel.flush();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void echoesOneMebibyteBothWaysWithWritesQueuedBeforeTheHandshake(String protocol) throws Exception {
        Server server = echoServer(TlsHandler.server(serverContext));
        byte[] payload = new byte[1 << 20];
        new Random(42).nextBytes(payload);
        Collector collector = new Collector(payload.length);
        TlsHandler tls = client().protocols(protocol).build();
        TcpChannel ch = connect(server, tls, collector);
        // Written at once, before the handshake can have completed: queued, then flushed after it.
        writeInChunks(ch, payload, 64 * 1024 + 17);
        assertArrayEquals(payload, collector.done().get(60, TimeUnit.SECONDS));
        TlsHandshakeCompletionEvent event = tls.handshakeFuture().get(10, TimeUnit.SECONDS);
        assertEquals(protocol, event.protocol());
        Probe serverSide = accepted.poll(10, TimeUnit.SECONDS);
        assertEquals(protocol, serverSide.handshake.get(10, TimeUnit.SECONDS).protocol());
    }

    /**
     * The engine configurator runs on every engine, after the builder's own settings: here it narrows the server to
     * TLS 1.2 although the builder allows 1.3, and the handshake says so. One that throws fails {@code build()}.
     */
    @Test
    void theEngineConfiguratorRunsLastOnEveryEngine() throws Exception {
        java.util.concurrent.atomic.AtomicInteger engines = new java.util.concurrent.atomic.AtomicInteger();
        TlsHandler.Builder builder = TlsHandler.server(serverContext).protocols("TLSv1.3", "TLSv1.2")
                .engineConfigurator(engine -> {
                    engines.incrementAndGet();
                    engine.setEnabledProtocols(new String[] {"TLSv1.2"});
                });
        assertArrayEquals(new String[] {"TLSv1.2"}, builder.newEngine().getEnabledProtocols());
        Server server = echoServer(builder);
        Collector collector = new Collector(5);
        TlsHandler tls = client().build();
        TcpChannel ch = connect(server, tls, collector);
        writeInChunks(ch, "hello".getBytes(StandardCharsets.US_ASCII), 5);
        assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), collector.done().get(30, TimeUnit.SECONDS));
        assertEquals("TLSv1.2", tls.handshakeFuture().get(10, TimeUnit.SECONDS).protocol());
        assertEquals(2, engines.get(), "newEngine() and the accepted connection's handler");

        TlsHandler.Builder failing = TlsHandler.server(serverContext).engineConfigurator(engine -> {
            throw new IllegalStateException("refused by the configurator");
        });
        assertEquals("refused by the configurator",
                assertThrows(IllegalStateException.class, failing::build).getMessage());
        assertNotNull(failing.engineConfigurator(null).newEngine(), "null removes it");
    }

    @Test
    void echoesManySmallWritesInOrder() throws Exception {
        Server server = echoServer(TlsHandler.server(serverContext));
        byte[] payload = new byte[200_000];
        new Random(7).nextBytes(payload);
        Collector collector = new Collector(payload.length);
        TcpChannel ch = connect(server, client().build(), collector);
        writeInChunks(ch, payload, 1 + 999);
        assertArrayEquals(payload, collector.done().get(60, TimeUnit.SECONDS));
    }

    /** Cuts every inbound buffer into slices of 1-7 bytes: records arrive split at every possible point. */
    private static final class Splitter implements Handler {
        private final Random random = new Random(11);

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            Buffer buffer = (Buffer) msg;
            try {
                while (buffer.isReadable()) {
                    int n = Math.min(buffer.readableBytes(), 1 + random.nextInt(7));
                    ctx.fireChannelRead(buffer.readRetainedSlice(n));
                }
            } finally {
                buffer.release();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void decryptsRecordsSplitIntoTinyReads(String protocol) throws Exception {
        Server server = Server.builder().group(serverGroup).childHandler(ch -> ch.pipeline()
                .addLast("split", new Splitter())
                .addLast("tls", TlsHandler.server(serverContext).build())
                .addLast("echo", new EchoHandler())).bind("127.0.0.1", 0);
        servers.add(server);
        byte[] payload = new byte[100_000];
        new Random(5).nextBytes(payload);
        Collector collector = new Collector(payload.length);
        TcpChannel ch = connect(server, client().protocols(protocol).build(), collector);
        writeInChunks(ch, payload, 10_000);
        assertArrayEquals(payload, collector.done().get(60, TimeUnit.SECONDS));
    }

    @Test
    void manyConcurrentConnectionsHandshakeAndEcho() throws Exception {
        Server server = echoServer(TlsHandler.server(serverContext));
        int connections = 40;
        List<CompletableFuture<byte[]>> results = new ArrayList<>();
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            byte[] payload = new byte[20_000 + i * 997];
            new Random(i).nextBytes(payload);
            payloads.add(payload);
            Collector collector = new Collector(payload.length);
            TcpChannel ch = connect(server, client().build(), collector);
            writeInChunks(ch, payload, 8192);
            results.add(collector.done());
        }
        for (int i = 0; i < connections; i++) {
            assertArrayEquals(payloads.get(i), results.get(i).get(60, TimeUnit.SECONDS), "connection " + i);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void reportsNegotiatedProtocolCipherAlpnAndSni(String protocol) throws Exception {
        Server server = echoServer(TlsHandler.server(serverContext).applicationProtocols("http/1.1", "spdy/3"));
        Probe clientProbe = new Probe();
        TlsHandler tls = client().protocols(protocol).applicationProtocols("h2", "http/1.1").build();
        connect(server, tls, clientProbe);
        TlsHandshakeCompletionEvent clientEvent = clientProbe.handshake.get(10, TimeUnit.SECONDS);
        assertTrue(clientEvent.isSuccess(), clientEvent::toString);
        assertNull(clientEvent.cause());
        assertEquals(protocol, clientEvent.protocol());
        assertEquals("http/1.1", clientEvent.applicationProtocol());
        assertNotNull(clientEvent.cipherSuite());
        assertTrue(clientEvent.cipherSuite().startsWith("TLS_"), clientEvent.cipherSuite());
        assertEquals("http/1.1", tls.applicationProtocol());

        Probe serverProbe = accepted.poll(10, TimeUnit.SECONDS);
        TlsHandshakeCompletionEvent serverEvent = serverProbe.handshake.get(10, TimeUnit.SECONDS);
        assertEquals(protocol, serverEvent.protocol());
        assertEquals(clientEvent.cipherSuite(), serverEvent.cipherSuite());
        assertEquals("http/1.1", serverEvent.applicationProtocol());
        assertEquals("localhost", serverProbe.tls.requestedServerName());
    }

    @Test
    void noAlpnMeansNullApplicationProtocol() throws Exception {
        Server server = echoServer(TlsHandler.server(serverContext));
        TlsHandler tls = client().build();
        connect(server, tls);
        assertNull(tls.handshakeFuture().get(10, TimeUnit.SECONDS).applicationProtocol());
    }

    @Test
    void untrustedCertificateFailsTheHandshakeWithTypedErrorsOnBothSides() throws Exception {
        Server server = echoServer(TlsHandler.server(TlsTestSupport.untrusted().serverContext()));
        Probe clientProbe = new Probe();
        TlsHandler tls = client().build();
        TcpChannel ch = connect(server, tls, clientProbe);

        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> tls.handshakeFuture().get(10, TimeUnit.SECONDS));
        assertInstanceOf(TlsHandshakeException.class, failure.getCause());
        assertInstanceOf(DecoderException.class, failure.getCause());
        TlsHandshakeCompletionEvent event = clientProbe.handshake.get(10, TimeUnit.SECONDS);
        assertFalse(event.isSuccess());
        assertInstanceOf(TlsHandshakeException.class, event.cause());
        assertNull(event.protocol());
        assertInstanceOf(TlsHandshakeException.class, clientProbe.error.get(10, TimeUnit.SECONDS));
        ch.closeFuture().get(10, TimeUnit.SECONDS);

        Probe serverProbe = accepted.poll(10, TimeUnit.SECONDS);
        Throwable serverError = serverProbe.error.get(10, TimeUnit.SECONDS);
        assertInstanceOf(TlsHandshakeException.class, serverError);
        assertTrue(serverError.getMessage().contains("alert"), serverError.getMessage());
        serverProbe.inactive.get(10, TimeUnit.SECONDS);
    }

    @Test
    void hostnameMismatchFailsTheHandshake() throws Exception {
        Server server = echoServer(TlsHandler.server(serverContext));
        TlsHandler tls = TlsHandler.client(clientContext).serverName("weft.invalid").build();
        TcpChannel ch = connect(server, tls);
        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> tls.handshakeFuture().get(10, TimeUnit.SECONDS));
        assertInstanceOf(TlsHandshakeException.class, failure.getCause());
        ch.closeFuture().get(10, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"plaintext-http", "bogus-record-length", "binary-garbage"})
    void garbageClosesOnlyThatConnection(String kind) throws Exception {
        Server server = echoServer(TlsHandler.server(serverContext));
        Collector before = new Collector(5);
        TlsHandler first = client().build();
        TcpChannel good = connect(server, first, before);
        first.handshakeFuture().get(10, TimeUnit.SECONDS);
        Probe goodServerSide = accepted.poll(10, TimeUnit.SECONDS);

        byte[] garbage = switch (kind) {
            case "plaintext-http" -> "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            case "bogus-record-length" -> new byte[] {22, 3, 3, (byte) 0xff, (byte) 0xff, 1, 2, 3};
            default -> {
                byte[] b = new byte[4096];
                new Random(3).nextBytes(b);
                b[0] = (byte) 0x80;
                yield b;
            }
        };
        try (Socket raw = new Socket("127.0.0.1", server.port())) {
            raw.setSoTimeout(20_000);
            raw.getOutputStream().write(garbage);
            raw.getOutputStream().flush();
            assertTrue(readsToEnd(raw.getInputStream()), "the server closed the garbage connection");
        }
        Probe badServerSide = accepted.poll(10, TimeUnit.SECONDS);
        Throwable error = badServerSide.error.get(10, TimeUnit.SECONDS);
        assertInstanceOf(TlsException.class, error);
        if (kind.equals("plaintext-http")) {
            assertInstanceOf(NotSslRecordException.class, error);
            assertTrue(error.getMessage().contains("GET / HTTP"), error.getMessage());
        } else if (kind.equals("bogus-record-length")) {
            assertTrue(error.getMessage().contains("65535"), error.getMessage());
        } else {
            assertInstanceOf(NotSslRecordException.class, error);
            assertTrue(error.getMessage().contains("80"), error.getMessage());
        }
        badServerSide.inactive.get(10, TimeUnit.SECONDS);

        // The established connection is untouched and a new one works.
        assertFalse(goodServerSide.inactive.isDone());
        good.writeAndFlush(good.allocator().copyOf("hello", StandardCharsets.US_ASCII));
        assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), before.done().get(10, TimeUnit.SECONDS));
        Collector after = new Collector(5);
        TcpChannel second = connect(server, client().build(), after);
        second.writeAndFlush(second.allocator().copyOf("again", StandardCharsets.US_ASCII));
        assertArrayEquals("again".getBytes(StandardCharsets.US_ASCII), after.done().get(10, TimeUnit.SECONDS));
    }

    /** Reads until end of stream; a reset also counts as the server having closed. */
    static boolean readsToEnd(InputStream in) throws Exception {
        byte[] buf = new byte[4096];
        try {
            while (in.read(buf) >= 0) {
                // Alerts the server sends before closing are skipped.
            }
        } catch (SocketException reset) {
            return true;
        }
        return true;
    }

    @Test
    void handshakeTimeoutClosesASilentConnection() throws Exception {
        Server server = echoServer(TlsHandler.server(serverContext).handshakeTimeout(300, TimeUnit.MILLISECONDS));
        try (Socket raw = new Socket("127.0.0.1", server.port())) {
            raw.setSoTimeout(30_000);
            Probe probe = accepted.poll(10, TimeUnit.SECONDS);
            Throwable error = probe.error.get(20, TimeUnit.SECONDS);
            assertInstanceOf(TlsHandshakeTimeoutException.class, error);
            assertTrue(error.getMessage().contains("300 ms"), error.getMessage());
            TlsHandshakeCompletionEvent event = probe.handshake.get(10, TimeUnit.SECONDS);
            assertInstanceOf(TlsHandshakeTimeoutException.class, event.cause());
            probe.inactive.get(10, TimeUnit.SECONDS);
            assertTrue(readsToEnd(raw.getInputStream()));
        }
    }

    @Test
    void closeSendsCloseNotifyThatThePeerSees() throws Exception {
        Server server = echoServer(TlsHandler.server(serverContext));
        TlsHandler tls = client().build();
        TcpChannel ch = connect(server, tls);
        tls.handshakeFuture().get(10, TimeUnit.SECONDS);
        Probe serverSide = accepted.poll(10, TimeUnit.SECONDS);
        serverSide.handshake.get(10, TimeUnit.SECONDS);
        ch.close().get(10, TimeUnit.SECONDS);
        serverSide.inactive.get(10, TimeUnit.SECONDS);
        assertTrue(serverSide.tls.isCloseNotifyReceived(), "server saw the client's close_notify");
        assertFalse(serverSide.error.isDone(), () -> "no error on a clean close: " + serverSide.error.join());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"REQUIRE-with-certificate", "REQUIRE-without-certificate", "OPTIONAL-without-certificate"})
    void clientAuthentication(String mode) throws Exception {
        SelfSignedCertificate clientCert = TlsTestSupport.clientCert();
        SelfSignedCertificate serverCert = TlsTestSupport.server();
        ClientAuth auth = mode.startsWith("REQUIRE") ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL;
        SSLContext serverCtx = TlsContexts.fromPem(serverCert.certificatePem(), serverCert.privateKeyPem(),
                clientCert.certificatePem());
        Server server = echoServer(TlsHandler.server(serverCtx).clientAuth(auth));
        boolean presents = mode.endsWith("-with-certificate");
        SSLContext clientCtx = presents
                ? TlsContexts.fromPkcs12(clientCert.keyStore(), clientCert.password(), serverCert.certificatePem())
                : clientContext;
        TlsHandler tls = TlsHandler.client(clientCtx).serverName("localhost").build();
        connect(server, tls);
        Probe serverSide = accepted.poll(10, TimeUnit.SECONDS);
        if (mode.equals("REQUIRE-without-certificate")) {
            assertInstanceOf(TlsHandshakeException.class, serverSide.error.get(10, TimeUnit.SECONDS));
            serverSide.inactive.get(10, TimeUnit.SECONDS);
            return;
        }
        tls.handshakeFuture().get(10, TimeUnit.SECONDS);
        TlsHandshakeCompletionEvent event = serverSide.handshake.get(10, TimeUnit.SECONDS);
        assertTrue(event.isSuccess());
        if (presents) {
            assertEquals("CN=weft-test-client", event.session().getPeerPrincipal().getName());
        } else {
            assertThrows(javax.net.ssl.SSLPeerUnverifiedException.class, () -> event.session().getPeerPrincipal());
        }
    }

    @Test
    void writePromisesCompleteAndNonBuffersAreRejected() throws Exception {
        Server server = echoServer(TlsHandler.server(serverContext));
        Collector collector = new Collector(3);
        TcpChannel ch = connect(server, client().build(), collector);
        CompletableFuture<Void> early = ch.newPromise();
        ch.writeAndFlush(ch.allocator().copyOf("abc", StandardCharsets.US_ASCII), early);
        early.get(10, TimeUnit.SECONDS);
        assertArrayEquals("abc".getBytes(StandardCharsets.US_ASCII), collector.done().get(10, TimeUnit.SECONDS));
        CompletableFuture<Void> bad = ch.newPromise();
        ch.writeAndFlush("not a buffer", bad);
        ExecutionException e = assertThrows(ExecutionException.class, () -> bad.get(10, TimeUnit.SECONDS));
        assertInstanceOf(io.weft.channel.UnsupportedMessageTypeException.class, e.getCause());
    }

    @Test
    void closingBeforeTheHandshakeFailsQueuedWritesAndTheHandshake() throws Exception {
        Server server = echoServer(TlsHandler.server(serverContext));
        TlsHandler tls = client().build();
        CompletableFuture<Void> queued = new CompletableFuture<>();
        TcpChannel ch = connect(server, tls, new Handler() {
            @Override
            public void channelActive(HandlerContext ctx) {
                ctx.write(ctx.alloc().copyOf("never sent", StandardCharsets.US_ASCII), queued);
                ctx.close();
            }
        });
        ch.closeFuture().get(10, TimeUnit.SECONDS);
        assertThrows(ExecutionException.class, () -> queued.get(10, TimeUnit.SECONDS));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> tls.handshakeFuture().get(10, TimeUnit.SECONDS));
        assertInstanceOf(TlsHandshakeException.class, e.getCause());
    }

    @Test
    void handshakesAndReadsWithAutoReadOff() throws Exception {
        Handler greeter = new Handler() {
            @Override
            public void userEvent(HandlerContext ctx, Object event) {
                if (event instanceof TlsHandshakeCompletionEvent e && e.isSuccess()) {
                    byte[] big = new byte[100_000];
                    java.util.Arrays.fill(big, (byte) 'x');
                    ctx.writeAndFlush(ctx.alloc().copyOf(big));
                }
            }
        };
        Server server = Server.builder().group(serverGroup)
                .childOption(io.weft.channel.ChannelOption.AUTO_READ, false)
                .childHandler(ch -> ch.pipeline().addLast("tls", TlsHandler.server(serverContext).build())
                        .addLast("greet", greeter)).bind("127.0.0.1", 0);
        servers.add(server);
        TlsHandler tls = client().build();
        Collector collector = new Collector(100_000);
        TcpChannel ch = Client.builder().group(clientGroup)
                .option(io.weft.channel.ChannelOption.AUTO_READ, false)
                .handler(c -> c.pipeline().addLast("tls", tls).addLast("collect", collector).addLast("more",
                        new Handler() {
                            @Override
                            public void channelReadComplete(HandlerContext ctx) {
                                ctx.read(); // the application asks for more after each batch
                            }
                        }))
                .connect(server.localAddress()).get(10, TimeUnit.SECONDS);
        channels.add(ch);
        tls.handshakeFuture().get(20, TimeUnit.SECONDS);
        ch.read();
        assertEquals(100_000, collector.done().get(20, TimeUnit.SECONDS).length);
    }

    @Test
    void undecryptedBytesAreBoundedWhileADelegatedTaskRuns() throws Exception {
        // Delegated tasks never run: the handshake stalls after the ClientHello and later bytes pile up.
        java.util.concurrent.Executor stalled = task -> { };
        Server server = echoServer(TlsHandler.server(serverContext).delegatedTaskExecutor(stalled)
                .maxBufferedBytes(20_000));
        javax.net.ssl.SSLEngine peer = clientContext.createSSLEngine("localhost", server.port());
        peer.setUseClientMode(true);
        java.nio.ByteBuffer hello = java.nio.ByteBuffer.allocate(peer.getSession().getPacketBufferSize());
        peer.beginHandshake();
        peer.wrap(java.nio.ByteBuffer.allocate(0), hello);
        byte[] record = new byte[5 + 16_384];
        record[0] = 23;
        record[1] = 3;
        record[2] = 3;
        record[3] = (byte) (16_384 >> 8);
        record[4] = 0;
        try (Socket raw = new Socket("127.0.0.1", server.port())) {
            raw.setSoTimeout(20_000);
            raw.getOutputStream().write(hello.array(), 0, hello.position());
            raw.getOutputStream().flush();
            Probe probe = accepted.poll(10, TimeUnit.SECONDS);
            try {
                for (int i = 0; i < 4; i++) {
                    raw.getOutputStream().write(record);
                }
                raw.getOutputStream().flush();
            } catch (SocketException closedEarly) {
                // The server may already have closed: fine, the assertion below says why.
            }
            Throwable error = probe.error.get(20, TimeUnit.SECONDS);
            assertInstanceOf(TlsException.class, error);
            assertTrue(error.getMessage().contains("exceeding the limit of 20000"), error.getMessage());
            probe.inactive.get(10, TimeUnit.SECONDS);
            assertTrue(readsToEnd(raw.getInputStream()));
        }
    }

    @Test
    void rejectsTinyBufferLimit() {
        TlsHandler.Builder b = TlsHandler.server(serverContext);
        assertThrows(IllegalArgumentException.class, () -> b.maxBufferedBytes(100));
        assertThrows(IllegalArgumentException.class, () -> b.handshakeTimeout(-1, TimeUnit.SECONDS));
    }
}
