package io.weft.codec.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.channel.TcpChannel;
import io.weft.buffer.ReferenceCounted;
import io.weft.codec.http.FullHttpResponse;
import io.weft.codec.http.HttpRequest;
import io.weft.codec.http.HttpResponseStatus;
import io.weft.codec.http.HttpServerCodec;
import io.weft.codec.http.HttpVersion;
import io.weft.codec.tls.TlsTestSupport.Probe;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import io.weft.testing.Collector;
import io.weft.testing.EchoHandler;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Weft TLS against independent peers: the JDK's SSLSocket and SSLEngine, and the openssl command line. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsInteropTest {

    private static EventLoopGroup group;
    private static SSLContext serverContext;
    private static SSLContext clientContext;

    private final List<Server> servers = new ArrayList<>();
    private final LinkedBlockingQueue<Probe> accepted = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws Exception {
        group = new EventLoopGroup(2);
        serverContext = TlsTestSupport.server().serverContext();
        clientContext = TlsTestSupport.server().clientContext();
    }

    @AfterEach
    void closeServers() {
        for (Server s : servers) {
            s.close();
        }
    }

    @AfterAll
    static void stop() {
        group.close();
    }

    /**
     * A JDK SSLSocket connected to {@code server}, speaking only {@code protocol}, checking the host name, offering
     * {@code alpn} if any, handshaken. Closing it closes the plain socket under it.
     */
    private static SSLSocket sslSocket(Server server, String protocol, String... alpn) throws Exception {
        Socket plain = new Socket("127.0.0.1", server.port());
        SSLSocket socket = (SSLSocket) clientContext.getSocketFactory()
                .createSocket(plain, "localhost", server.port(), true);
        socket.setSoTimeout(20_000);
        SSLParameters params = socket.getSSLParameters();
        params.setProtocols(new String[] {protocol});
        params.setEndpointIdentificationAlgorithm("HTTPS");
        if (alpn.length > 0) {
            params.setApplicationProtocols(alpn);
        }
        socket.setSSLParameters(params);
        socket.startHandshake();
        return socket;
    }

    private Server server(TlsHandler.Builder tls, Handler app) {
        Server server = Server.builder().group(group).childHandler(ch -> {
            Probe probe = new Probe();
            ch.pipeline().addLast("tls", tls.build()).addLast("probe", probe).addLast("app", app);
            accepted.add(probe);
        }).bind("127.0.0.1", 0);
        servers.add(server);
        return server;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void jdkSslSocketClientTalksToWeftServer(String protocol) throws Exception {
        Server server = server(TlsHandler.server(serverContext).applicationProtocols("weft-echo"), new EchoHandler());
        try (SSLSocket socket = sslSocket(server, protocol, "weft-echo")) {
            assertEquals(protocol, socket.getSession().getProtocol());
            assertEquals("weft-echo", socket.getApplicationProtocol());
            byte[] message = new byte[100_000];
            for (int i = 0; i < message.length; i++) {
                message[i] = (byte) (i * 31);
            }
            OutputStream out = socket.getOutputStream();
            CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> readN(socket, message.length));
            out.write(message);
            out.flush();
            assertArrayEquals(message, echoed.get(30, TimeUnit.SECONDS));
        }
        Probe probe = accepted.poll(10, TimeUnit.SECONDS);
        assertEquals(protocol, probe.handshake.get(10, TimeUnit.SECONDS).protocol());
        probe.inactive.get(10, TimeUnit.SECONDS);
    }

    private static byte[] readN(Socket socket, int n) {
        try {
            InputStream in = socket.getInputStream();
            byte[] result = new byte[n];
            int off = 0;
            while (off < n) {
                int r = in.read(result, off, n - off);
                if (r < 0) {
                    throw new IllegalStateException("EOF after " + off + " of " + n + " bytes");
                }
                off += r;
            }
            return result;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void weftClientTalksToJdkSslServerSocket() throws Exception {
        try (SSLServerSocket listener = (SSLServerSocket) serverContext.getServerSocketFactory().createServerSocket()) {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            CompletableFuture<String> served = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.setSoTimeout(20_000);
                    BufferedReader reader = new BufferedReader(new InputStreamReader(s.getInputStream(),
                            StandardCharsets.UTF_8));
                    String line = reader.readLine();
                    s.getOutputStream().write(("echo:" + line + "\n").getBytes(StandardCharsets.UTF_8));
                    s.getOutputStream().flush();
                    return s.getSession().getProtocol();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Collector collector = new Collector("echo:ping\n".length());
            TlsHandler tls = TlsHandler.client(clientContext).serverName("localhost").build();
            TcpChannel ch = Client.builder().group(group)
                    .handler(c -> c.pipeline().addLast("tls", tls).addLast("collect", collector))
                    .connect(listener.getLocalSocketAddress()).get(10, TimeUnit.SECONDS);
            ch.writeAndFlush(ch.allocator().copyOf("ping\n", StandardCharsets.UTF_8));
            assertEquals("echo:ping\n", new String(collector.done().get(20, TimeUnit.SECONDS), StandardCharsets.UTF_8));
            assertEquals("TLSv1.3", served.get(20, TimeUnit.SECONDS));
            ch.close().get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * The server says goodbye and closes; a plain JDK SSLEngine client sees the {@code close_notify} alert
     * (unwrap status CLOSED) before the end of the TCP stream, not just a FIN.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void closeNotifyIsSentBeforeTheSocketCloses(String protocol) throws Exception {
        Handler goodbye = new Handler() {
            @Override
            public void userEvent(HandlerContext ctx, Object event) {
                if (event instanceof TlsHandshakeCompletionEvent e && e.isSuccess()) {
                    ctx.writeAndFlush(ctx.alloc().copyOf("bye", StandardCharsets.US_ASCII));
                    ctx.channel().close();
                }
            }
        };
        EngineResult result = engineClient(server(TlsHandler.server(serverContext), goodbye), protocol, null);
        assertEquals("bye", result.data);
        assertTrue(result.closeNotify, "close_notify received before EOF");
    }

    /**
     * An HTTP server that answers {@code connection: close} closes the connection after its response; behind TLS
     * that close must start with a {@code close_notify} (RFC 8446 section 6.1), not with a bare FIN (OpenSSL clients
     * report "unexpected eof" for that). The codec closes through the pipeline, so the TLS handler sends it.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void anHttpServerClosingAfterItsResponseSendsCloseNotifyFirst(String protocol) throws Exception {
        Handler hello = new Handler() {
            @Override
            public void channelRead(HandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest) {
                    ctx.writeAndFlush(new FullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            ctx.alloc().copyOf("bye", StandardCharsets.US_ASCII)));
                }
                ReferenceCounted.safeRelease(msg);
            }
        };
        Server server = Server.builder().group(group).childHandler(ch -> ch.pipeline()
                .addLast("tls", TlsHandler.server(serverContext).build())
                .addLast("http", new HttpServerCodec())
                .addLast("app", hello)).bind("127.0.0.1", 0);
        servers.add(server);
        byte[] request = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        EngineResult result = engineClient(server, protocol, request);
        assertTrue(result.data.startsWith("HTTP/1.1 200 OK\r\n"), result.data);
        assertTrue(result.data.toLowerCase(java.util.Locale.ROOT).contains("\r\nconnection: close\r\n"), result.data);
        assertTrue(result.data.endsWith("\r\n\r\nbye"), result.data);
        assertTrue(result.closeNotify, "close_notify received before EOF");
    }

    /**
     * {@link TlsContexts#forServer(Path, Path, java.security.Provider)} with its single-key manager: a JDK client
     * handshakes with TLS 1.3 and 1.2 and checks the chain; the manager offers the key only for its own family.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void aContextFromAProviderWithTheSingleKeyManagerServesItsChain(String protocol) throws Exception {
        SelfSignedCertificate cert = TlsTestSupport.server();
        SSLContext context = TlsContexts.forServer(cert.certificatePem(), cert.privateKeyPem(),
                java.security.Security.getProvider("SunJSSE"));
        Server server = server(TlsHandler.server(context), new EchoHandler());
        try (SSLSocket socket = sslSocket(server, protocol)) {
            assertEquals(protocol, socket.getSession().getProtocol());
            assertEquals(cert.certificate(), socket.getSession().getPeerCertificates()[0]);
            socket.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            assertArrayEquals("ping".getBytes(StandardCharsets.US_ASCII), readN(socket, 4));
        }
        javax.net.ssl.X509ExtendedKeyManager km = TlsContexts.keyManager(cert.privateKey(), cert.certificate());
        String family = cert.certificate().getPublicKey().getAlgorithm();
        String other = family.equals("RSA") ? "EC" : "RSA";
        assertEquals("key", km.chooseEngineServerAlias(family, null, null));
        assertEquals(null, km.chooseEngineServerAlias(other, null, null));
        assertEquals("key", km.chooseEngineClientAlias(new String[] {other, family}, null, null));
        assertEquals(cert.privateKey(), km.getPrivateKey("key"));
        assertEquals(null, km.getCertificateChain("other"));
    }

    /**
     * A half-close through the pipeline ({@link TcpChannel#shutdownOutput()}) behind TLS: what was written before
     * arrives, then a {@code close_notify}, then the TCP FIN; the server goes on reading (TLS 1.3 allows the peer to
     * keep sending after our {@code close_notify}, RFC 8446 section 6.1) until the client's own {@code close_notify}
     * closes the connection. Asked for in {@code channelActive}, before the handshake, it waits for the handshake
     * and for the writes queued behind it.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"after the handshake", "before the handshake"})
    void halfCloseSendsCloseNotifyThenFinAndReadingGoesOn(String when) throws Exception {
        boolean early = when.startsWith("before");
        LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
        CompletableFuture<Void> shut = new CompletableFuture<>();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Handler halfCloser = new Handler() {
            @Override
            public void channelActive(HandlerContext ctx) {
                ctx.channel().closeFuture().whenComplete((v, t) -> closed.complete(null));
                if (early) {
                    goodbye(ctx);
                }
                ctx.fireChannelActive();
            }

            @Override
            public void userEvent(HandlerContext ctx, Object event) {
                if (!early && event instanceof TlsHandshakeCompletionEvent e && e.isSuccess()) {
                    goodbye(ctx);
                }
                ctx.fireUserEvent(event);
            }

            private void goodbye(HandlerContext ctx) {
                ctx.write(ctx.alloc().copyOf("by", StandardCharsets.US_ASCII));
                ctx.writeAndFlush(ctx.alloc().copyOf("e", StandardCharsets.US_ASCII));
                ((TcpChannel) ctx.channel()).shutdownOutput().whenComplete((v, t) -> {
                    if (t != null) {
                        shut.completeExceptionally(t);
                    } else {
                        shut.complete(null);
                    }
                });
                CompletableFuture<Void> late = new CompletableFuture<>();
                ctx.write(ctx.alloc().copyOf("late", StandardCharsets.US_ASCII), late);
                late.whenComplete((v, t) -> received.add(t == null ? "late write succeeded" : "late write failed"));
            }

            @Override
            public void channelRead(HandlerContext ctx, Object msg) {
                received.add(((io.weft.buffer.Buffer) msg).toString(StandardCharsets.US_ASCII));
                ReferenceCounted.safeRelease(msg);
            }
        };
        Server server = server(TlsHandler.server(serverContext), halfCloser);
        SSLEngine engine = clientContext.createSSLEngine("localhost", server.port());
        engine.setUseClientMode(true);
        engine.setEnabledProtocols(new String[] {"TLSv1.3"});
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(20_000);
            EngineResult result = runEngineClient(engine, socket, null);
            assertEquals("bye", result.data);
            assertTrue(result.closeNotify, "close_notify received before EOF");
            assertEquals(-1, socket.getInputStream().read(), "FIN after the close_notify");
            shut.get(10, TimeUnit.SECONDS);
            assertEquals("late write failed", received.poll(10, TimeUnit.SECONDS));

            OutputStream out = socket.getOutputStream();
            ByteBuffer netOut = ByteBuffer.allocate(engine.getSession().getPacketBufferSize() * 2);
            engine.wrap(ByteBuffer.wrap("still reading".getBytes(StandardCharsets.US_ASCII)), netOut);
            out.write(netOut.array(), 0, netOut.position());
            out.flush();
            assertEquals("still reading", received.poll(10, TimeUnit.SECONDS));
            assertFalse(closed.isDone(), "the server keeps the connection open for reading");

            netOut.clear();
            engine.closeOutbound();
            engine.wrap(ByteBuffer.allocate(0), netOut);
            out.write(netOut.array(), 0, netOut.position());
            out.flush();
            closed.get(10, TimeUnit.SECONDS);
        }
    }

    /** Connects a plain JDK SSLEngine client speaking only {@code protocol}, sending {@code request} if not null. */
    private static EngineResult engineClient(Server server, String protocol, byte[] request) throws Exception {
        SSLEngine engine = clientContext.createSSLEngine("localhost", server.port());
        engine.setUseClientMode(true);
        engine.setEnabledProtocols(new String[] {protocol});
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(20_000);
            EngineResult result = runEngineClient(engine, socket, request);
            assertEquals(protocol, engine.getSession().getProtocol());
            return result;
        }
    }

    private record EngineResult(String data, boolean closeNotify) {
    }

    /**
     * Handshakes, sends {@code request} (when not null) once the handshake is done, and reads application data until
     * close_notify (CLOSED) or end of stream.
     */
    private static EngineResult runEngineClient(SSLEngine engine, Socket socket, byte[] request) throws Exception {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        int packet = engine.getSession().getPacketBufferSize();
        ByteBuffer netIn = ByteBuffer.allocate(packet * 4);
        ByteBuffer netOut = ByteBuffer.allocate(packet * 2);
        ByteBuffer app = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize() * 2);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        byte[] chunk = new byte[packet];
        engine.beginHandshake();
        boolean sent = request == null;
        for (int guard = 0; guard < 10_000; guard++) {
            HandshakeStatus hs = engine.getHandshakeStatus();
            if (!sent && hs == HandshakeStatus.NOT_HANDSHAKING) {
                sent = true;
                netOut.clear();
                engine.wrap(ByteBuffer.wrap(request), netOut);
                out.write(netOut.array(), 0, netOut.position());
                out.flush();
                continue;
            }
            if (hs == HandshakeStatus.NEED_TASK) {
                Runnable task;
                while ((task = engine.getDelegatedTask()) != null) {
                    task.run();
                }
                continue;
            }
            if (hs == HandshakeStatus.NEED_WRAP) {
                netOut.clear();
                engine.wrap(ByteBuffer.allocate(0), netOut);
                out.write(netOut.array(), 0, netOut.position());
                out.flush();
                continue;
            }
            netIn.flip();
            SSLEngineResult r = engine.unwrap(netIn, app);
            netIn.compact();
            app.flip();
            byte[] plain = new byte[app.remaining()];
            app.get(plain);
            data.writeBytes(plain);
            app.clear();
            if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                return new EngineResult(data.toString(StandardCharsets.US_ASCII), true);
            }
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW
                    || (r.bytesConsumed() == 0 && engine.getHandshakeStatus() != HandshakeStatus.NEED_WRAP
                        && engine.getHandshakeStatus() != HandshakeStatus.NEED_TASK)) {
                int n = in.read(chunk);
                if (n < 0) {
                    return new EngineResult(data.toString(StandardCharsets.US_ASCII), false);
                }
                netIn.put(chunk, 0, n);
            }
        }
        throw new AssertionError("engine client made no progress");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"-tls1_3", "-tls1_2"})
    void opensslClientExchangesALineWithTheWeftEchoServer(String version) throws Exception {
        Assumptions.assumeTrue(TlsContextsTest.opensslAvailable(), "openssl is not on the PATH");
        Server server = server(TlsHandler.server(serverContext), new EchoHandler());
        Path stderr = Files.createTempFile("weft-openssl", ".log");
        Process process = new ProcessBuilder("openssl", "s_client",
                "-connect", "127.0.0.1:" + server.port(),
                "-servername", "localhost",
                "-CAfile", TlsTestSupport.server().certificatePem().toString(),
                "-verify_return_error", "-quiet", version)
                .redirectError(stderr.toFile())
                .start();
        try {
            OutputStream stdin = process.getOutputStream();
            stdin.write("hello from openssl\n".getBytes(StandardCharsets.US_ASCII));
            stdin.flush();
            BufferedReader stdout = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.US_ASCII));
            CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
                try {
                    return stdout.readLine();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            String echoed;
            try {
                echoed = line.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("openssl s_client gave no line; its stderr: " + Files.readString(stderr), e);
            }
            assertEquals("hello from openssl", echoed, () -> "openssl stderr: " + readQuietly(stderr));
            Probe probe = accepted.poll(10, TimeUnit.SECONDS);
            TlsHandshakeCompletionEvent event = probe.handshake.get(10, TimeUnit.SECONDS);
            assertEquals(version.equals("-tls1_3") ? "TLSv1.3" : "TLSv1.2", event.protocol());
            assertFalse(probe.error.isDone(), () -> "server error: " + probe.error.join());
        } finally {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(stderr);
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "(unreadable: " + e + ")";
        }
    }
}
