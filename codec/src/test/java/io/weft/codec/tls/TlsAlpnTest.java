package io.weft.codec.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.TcpChannel;
import io.weft.codec.http.FullHttpResponse;
import io.weft.codec.http.HttpClientCodec;
import io.weft.codec.http.HttpHeaderNames;
import io.weft.codec.http.HttpRequest;
import io.weft.codec.http.HttpResponseStatus;
import io.weft.codec.http.HttpServerCodec;
import io.weft.codec.http.HttpVersion;
import io.weft.codec.tls.TlsTestSupport.Probe;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import io.weft.testing.log.LogCapture;
import java.io.File;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** ALPN negotiates only what the pipeline serves: {@code h2} in front of the HTTP/1.1 codec is never selected. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsAlpnTest {

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

    /** Each test's log: the ALPN misconfiguration WARN is provoked on purpose, recorded instead of printed. */
    private LogCapture logs;

    @org.junit.jupiter.api.BeforeEach
    void captureLogs() {
        logs = LogCapture.start();
    }

    @AfterEach
    void closeServers() {
        servers.forEach(Server::close);
        logs.close();
    }

    @AfterAll
    static void stop() {
        group.close();
    }

    /** Answers every request {@code 200 hello}. */
    static final class Hello implements Handler {
        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest) {
                byte[] body = "hello".getBytes(StandardCharsets.US_ASCII);
                FullHttpResponse r = new FullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        ctx.alloc().allocate(body.length).writeBytes(body));
                r.headers().add(HttpHeaderNames.CONTENT_LENGTH, body.length);
                ctx.write(r);
            }
            ReferenceCounted.safeRelease(msg);
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
            ctx.flush();
        }
    }

    private Server httpsServer(String... alpn) {
        TlsHandler.Builder tls = TlsHandler.server(serverContext).applicationProtocols(alpn);
        Server server = Server.builder().group(group).childHandler(ch -> {
            Probe probe = new Probe();
            ch.pipeline().addLast("tls", tls.build()).addLast("probe", probe).addLast("http", new HttpServerCodec())
                    .addLast("app", new Hello());
            accepted.add(probe);
        }).bind("127.0.0.1", 0);
        servers.add(server);
        return server;
    }

    private static SSLSocket jdkClient(int port, String... alpn) throws Exception {
        SSLSocket socket = (SSLSocket) clientContext.getSocketFactory().createSocket(
                InetAddress.getByName("127.0.0.1"), port);
        socket.setSoTimeout(20_000);
        SSLParameters params = socket.getSSLParameters();
        params.setApplicationProtocols(alpn);
        socket.setSSLParameters(params);
        return socket;
    }

    private static String get(SSLSocket socket) throws Exception {
        socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }

    @Test
    void h2InFrontOfTheHttp1CodecIsNeverSelected() throws Exception {
        Server server = httpsServer("h2", "http/1.1");
        for (int i = 0; i < 2; i++) {
            try (SSLSocket socket = jdkClient(server.port(), "h2", "http/1.1")) {
                socket.startHandshake();
                assertEquals("http/1.1", socket.getApplicationProtocol());
                String response = get(socket);
                assertTrue(response.startsWith("HTTP/1.1 200"), response);
                assertTrue(response.endsWith("hello"), response);
            }
            TlsHandshakeCompletionEvent event = accepted.poll(10, TimeUnit.SECONDS).handshake
                    .get(10, TimeUnit.SECONDS);
            assertEquals("http/1.1", event.applicationProtocol());
        }
        // The misconfiguration is reported once per builder, at WARN, naming the protocol left out.
        var warnings = logs.at(org.slf4j.event.Level.WARN);
        assertEquals(1, warnings.size(), logs.dump());
        assertTrue(warnings.get(0).message().contains("[h2]"), logs.dump());
    }

    @Test
    void onlyUnservableProtocolsConfiguredMeansNoAlpnAndTheClientFallsBack() throws Exception {
        Server server = httpsServer("h2");
        try (SSLSocket socket = jdkClient(server.port(), "h2", "http/1.1")) {
            socket.startHandshake();
            assertEquals("", socket.getApplicationProtocol(), "no ALPN negotiated");
            assertTrue(get(socket).startsWith("HTTP/1.1 200"));
        }
    }

    @Test
    void aClientOfferingOnlyUnservableProtocolsFailsTheHandshakeClearly() throws Exception {
        Server server = httpsServer("h2", "http/1.1");
        try (SSLSocket socket = jdkClient(server.port(), "h2")) {
            SSLHandshakeException e = assertThrows(SSLHandshakeException.class, socket::startHandshake);
            assertTrue(e.getMessage().contains("no_application_protocol"), e.getMessage());
        }
        Throwable error = accepted.poll(10, TimeUnit.SECONDS).error.get(10, TimeUnit.SECONDS);
        assertInstanceOf(TlsHandshakeException.class, error);
    }

    @Test
    void aWeftClientFailsWhenTheServerSelectsAProtocolItsPipelineCannotServe() throws Exception {
        SSLServerSocket listener = (SSLServerSocket) serverContext.getServerSocketFactory().createServerSocket(0, 5,
                InetAddress.getByName("127.0.0.1"));
        SSLParameters params = listener.getSSLParameters();
        params.setApplicationProtocols(new String[] {"h2"});
        listener.setSSLParameters(params);
        CompletableFuture<Void> serverDone = CompletableFuture.runAsync(() -> {
            try (SSLSocket s = (SSLSocket) listener.accept()) {
                s.setSoTimeout(20_000);
                s.startHandshake();
                s.getInputStream().read();
            } catch (Exception expected) {
                // The client gives up after the handshake.
            }
        });
        try {
            TlsHandler tls = TlsHandler.client(clientContext).serverName("localhost")
                    .applicationProtocols("h2", "http/1.1").build();
            Probe probe = new Probe();
            TcpChannel ch = Client.builder().group(group).handler(c -> c.pipeline().addLast("tls", tls)
                    .addLast("probe", probe).addLast("http", new HttpClientCodec()))
                    .connect("127.0.0.1", listener.getLocalPort()).get(10, TimeUnit.SECONDS);
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> tls.handshakeFuture().get(20, TimeUnit.SECONDS));
            assertInstanceOf(TlsHandshakeException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("'h2'"), e.getCause().getMessage());
            ch.closeFuture().get(10, TimeUnit.SECONDS);
        } finally {
            listener.close();
            serverDone.get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void curlAskingForHttp2GetsAnHttp11Answer() throws Exception {
        Assumptions.assumeTrue(onPath("curl"), "curl is not on the PATH");
        Server server = httpsServer("h2", "http/1.1");
        Process p = new ProcessBuilder("curl", "--http2", "-k", "-s", "-S", "-i", "--max-time", "20",
                "https://127.0.0.1:" + server.port() + "/").redirectErrorStream(true).start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String text = new String(out, StandardCharsets.US_ASCII);
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.startsWith("HTTP/1.1 200"), text);
        assertTrue(text.endsWith("hello"), text);
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}
