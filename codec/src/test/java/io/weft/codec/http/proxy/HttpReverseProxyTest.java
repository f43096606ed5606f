package io.weft.codec.http.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.balance.Backend;
import io.weft.balance.BackendSet;
import io.weft.balance.BalanceStrategy;
import io.weft.bootstrap.Server;
import io.weft.codec.http.HttpHeaders;
import io.weft.codec.http.RawHttp;
import io.weft.loop.EventLoopGroup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The reverse proxy between raw-socket clients and real HTTP backends on 127.0.0.1. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpReverseProxyTest {

    private static EventLoopGroup group;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeAll
    static void startGroup() {
        group = new EventLoopGroup(2);
    }

    @AfterAll
    static void stopGroup() {
        group.close();
    }

    @AfterEach
    void close() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        resources.clear();
    }

    private TestHttpBackend backend(int id) {
        TestHttpBackend b = new TestHttpBackend(id, group);
        resources.add(b);
        return b;
    }

    private Server proxy(HttpReverseProxy proxy) {
        resources.add(proxy);
        Server server = Server.builder().group(group).childHandler(proxy).bind("127.0.0.1", 0);
        resources.add(server);
        return server;
    }

    static String get(String path, String... headers) {
        StringBuilder sb = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: example.test\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    static RawHttp.Response roundTrip(Socket socket, String request) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(RawHttp.ascii(request));
        out.flush();
        RawHttp.Response response = RawHttp.readResponse(socket.getInputStream());
        assertNotNull(response, "the proxy closed instead of answering");
        return response;
    }

    static RawHttp.Response once(int port, String request) throws IOException {
        try (Socket socket = RawHttp.connect(port)) {
            return roundTrip(socket, request);
        }
    }

    @Test
    void reusesKeepAliveBackendConnections() throws Exception {
        TestHttpBackend b = backend(0);
        BackendSet set = new BackendSet(BalanceStrategy.roundRobin());
        set.add(b.address());
        HttpReverseProxy proxy = HttpReverseProxy.builder(set).build();
        Server server = proxy(proxy);
        try (Socket socket = RawHttp.connect(server.port())) {
            for (int i = 0; i < 20; i++) {
                RawHttp.Response r = roundTrip(socket, get("/hello"));
                assertEquals(200, r.status());
                assertEquals("hello from 0", r.body());
            }
        }
        assertEquals(1, b.connections.get(), "20 requests on one client connection, one backend connection");
        for (int i = 0; i < 20; i++) {
            assertEquals(200, once(server.port(), get("/hello")).status());
        }
        // 20 more client connections, spread over the proxy's 2 loops: a pooled connection per loop at most.
        assertTrue(b.connections.get() <= 2, "backend connections: " + b.connections.get());
        assertEquals(40, b.requests.get());
        waitFor(() -> proxy.idleConnections() == b.connections.get());
        assertEquals(0, set.backends().get(0).activeConnections());
    }

    @Test
    void removesHopByHopFieldsBothWaysAndAddsVia() throws Exception {
        TestHttpBackend b = backend(0);
        BackendSet set = new BackendSet(BalanceStrategy.roundRobin());
        set.add(b.address());
        Server server = proxy(HttpReverseProxy.builder(set).build());
        RawHttp.Response r = once(server.port(), get("/hello", "Connection: keep-alive, X-Req-Hop",
                "X-Req-Hop: 1", "Keep-Alive: timeout=9", "Proxy-Connection: keep-alive", "TE: trailers",
                "Upgrade: websocket", "X-End-To-End: yes"));
        assertEquals(200, r.status());
        HttpHeaders seen = b.lastHead().headers();
        for (String name : List.of("x-req-hop", "keep-alive", "proxy-connection", "te", "upgrade")) {
            assertFalse(seen.contains(name), name + " reached the backend: " + seen);
        }
        assertFalse(seen.containsToken("connection", "x-req-hop"), seen.toString());
        assertEquals("yes", seen.get("x-end-to-end"));
        assertEquals("example.test", seen.get("host"));
        assertEquals("1.1 weft", seen.get("via"));
        // The backend's response named x-hop in Connection and had Keep-Alive: neither reaches the client.
        assertFalse(r.headers().containsKey("x-hop"), r.headers().toString());
        assertFalse(r.headers().containsKey("keep-alive"), r.headers().toString());
        assertEquals("kept", r.headers().get("x-end"));
        assertEquals("1.1 weft", r.headers().get("via"));
    }

    @Test
    void addsForwardedAndXForwardedFor() throws Exception {
        TestHttpBackend b = backend(0);
        BackendSet set = new BackendSet(BalanceStrategy.roundRobin());
        set.add(b.address());
        Server server = proxy(HttpReverseProxy.builder(set).build());
        assertEquals(200, once(server.port(), get("/hello", "X-Forwarded-For: 203.0.113.7",
                "Forwarded: for=203.0.113.7")).status());
        HttpHeaders seen = b.lastHead().headers();
        assertEquals("203.0.113.7, 127.0.0.1", seen.get("x-forwarded-for"));
        assertEquals("for=203.0.113.7, for=127.0.0.1;host=\"example.test\";proto=http", seen.get("forwarded"));
        assertEquals("http", seen.get("x-forwarded-proto"));
        assertEquals("example.test", seen.get("x-forwarded-host"));
        assertEquals(1, seen.count("forwarded"));
    }

    @Test
    void answers502WhenTheBackendIsDeadAnd503WhenNoneIsAvailable() throws Exception {
        BackendSet set = new BackendSet(BalanceStrategy.roundRobin());
        Backend dead = set.add(deadAddress());
        Server server = proxy(HttpReverseProxy.builder(set).build());
        try (Socket socket = RawHttp.connect(server.port())) {
            RawHttp.Response r = roundTrip(socket, get("/hello"));
            assertEquals(502, r.status());
            assertGeneratedHeaders(r, "keep-alive");
            // keep-alive: the same connection gets its next answer
            set.drain(dead);
            RawHttp.Response unavailable = roundTrip(socket, get("/hello"));
            assertEquals(503, unavailable.status());
            assertGeneratedHeaders(unavailable, "keep-alive");
        }
        assertEquals(0, dead.activeConnections());
    }

    @Test
    void answers504WhenTheBackendIsTooSlow() throws Exception {
        TestHttpBackend b = backend(0);
        BackendSet set = new BackendSet(BalanceStrategy.roundRobin());
        Backend backend = set.add(b.address());
        Server server = proxy(HttpReverseProxy.builder(set).responseTimeout(Duration.ofMillis(300)).build());
        long start = System.nanoTime();
        RawHttp.Response r = once(server.port(), get("/slow"));
        assertEquals(504, r.status());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(4), "answered before the backend did");
        assertGeneratedHeaders(r, "keep-alive");
        waitFor(() -> backend.activeConnections() == 0);
    }

    @Test
    void retriesIdempotentBodylessRequestsOnAnotherBackendButNotPosts() throws Exception {
        TestHttpBackend first = backend(0);
        TestHttpBackend second = backend(1);
        BackendSet set = new BackendSet(BalanceStrategy.roundRobin());
        set.add(first.address());
        set.add(second.address());
        Server server = proxy(HttpReverseProxy.builder(set).build());
        // /close makes whichever backend gets it close without answering: a GET is retried on the other one,
        // which closes as well; both attempts used up: 502.
        RawHttp.Response r = once(server.port(), get("/close"));
        assertEquals(502, r.status());
        // (Connections, not requests, are counted: one attempt is one new backend connection.)
        assertEquals(2, first.connections.get() + second.connections.get(), "the GET was tried on both backends");
        int before = first.connections.get() + second.connections.get();
        RawHttp.Response post = once(server.port(),
                "POST /close HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
        assertEquals(502, post.status());
        assertEquals(before + 1, first.connections.get() + second.connections.get(), "a POST is never retried");
    }

    @Test
    void streamsLargeBodiesBothWaysByteExact() throws Exception {
        TestHttpBackend b = backend(0);
        BackendSet set = new BackendSet(BalanceStrategy.roundRobin());
        set.add(b.address());
        Server server = proxy(HttpReverseProxy.builder(set).build());
        byte[] body = new byte[(8 << 20) + 13];
        new Random(5).nextBytes(body);
        try (Socket socket = RawHttp.connect(server.port())) {
            OutputStream out = socket.getOutputStream();
            Thread writer = new Thread(() -> {
                try {
                    out.write(RawHttp.ascii("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length
                            + "\r\n\r\n"));
                    out.write(body);
                    out.flush();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            InputStream in = socket.getInputStream();
            String status = readLine(in);
            assertEquals("HTTP/1.1 200 OK", status);
            String line;
            boolean chunked = false;
            while (!(line = readLine(in)).isEmpty()) {
                chunked |= line.equalsIgnoreCase("transfer-encoding: chunked");
            }
            assertTrue(chunked);
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            while (true) {
                int size = Integer.parseInt(readLine(in).trim(), 16);
                if (size == 0) {
                    readLine(in);
                    break;
                }
                received.write(in.readNBytes(size));
                readLine(in);
            }
            writer.join();
            assertTrue(Arrays.equals(body, received.toByteArray()), "echoed body differs");
        }
    }

    @Test
    void slowClientPausesTheBackendAndKeepsTheProxyBounded() throws Exception {
        TestHttpBackend b = backend(0);
        BackendSet set = new BackendSet(BalanceStrategy.roundRobin());
        set.add(b.address());
        HttpReverseProxy proxy = HttpReverseProxy.builder(set).build();
        resources.add(proxy);
        List<io.weft.channel.TcpChannel> clients = new java.util.concurrent.CopyOnWriteArrayList<>();
        Server server = Server.builder().group(group).childHandler(ch -> {
            proxy.initChannel(ch);
            clients.add((io.weft.channel.TcpChannel) ch);
        }).bind("127.0.0.1", 0);
        resources.add(server);
        java.util.concurrent.atomic.AtomicLong maxPending = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean reading = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (reading.get()) {
                for (io.weft.channel.TcpChannel ch : clients) {
                    if (ch.isOpen()) {
                        ch.loop().execute(() -> maxPending.accumulateAndGet(ch.pendingOutboundBytes(), Math::max));
                    }
                }
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try (Socket socket = RawHttp.connect(server.port())) {
            sampler.start();
            socket.getOutputStream().write(RawHttp.ascii(get("/big")));
            InputStream in = socket.getInputStream();
            assertEquals("HTTP/1.1 200 OK", readLine(in));
            String line;
            long length = -1;
            while (!(line = readLine(in)).isEmpty()) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Long.parseLong(line.substring(15).trim());
                }
            }
            assertEquals(TestHttpBackend.BIG, length);
            byte[] chunk = new byte[64 * 1024];
            long received = 0;
            long nextPause = 4L << 20;
            boolean stalled = false;
            while (received < length) {
                int n = in.read(chunk, 0, (int) Math.min(chunk.length, length - received));
                assertTrue(n > 0, "stream ended at " + received);
                for (int i = 0; i < n; i++) {
                    if (chunk[i] != (byte) ((received + i) % 251)) {
                        throw new AssertionError("byte " + (received + i) + " differs");
                    }
                }
                received += n;
                if (received >= nextPause) {
                    nextPause += 4L << 20;
                    // A slow reader, stalling a whole second once: long enough for an unthrottled backend to
                    // push everything that is left into the proxy.
                    Thread.sleep(stalled ? 20 : 1000);
                    stalled = true;
                }
            }
        } finally {
            reading.set(false);
            sampler.join();
        }
        assertTrue(maxPending.get() >= 64 * 1024, "the slow client should have filled the proxy's queue to its "
                + "high water mark, saw " + maxPending.get());
        assertTrue(maxPending.get() <= 8L << 20, "the proxy queued " + maxPending.get() + " bytes for the client");
    }

    private static void assertGeneratedHeaders(RawHttp.Response r, String connection) {
        assertNotNull(r.headers().get("date"), r.headers().toString());
        assertEquals(String.valueOf(r.body().length()), r.headers().get("content-length"));
        assertEquals(connection, r.headers().get("connection"));
        assertTrue(r.body().startsWith(String.valueOf(r.status())), r.body());
    }

    static InetSocketAddress deadAddress() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return new InetSocketAddress("127.0.0.1", s.getLocalPort());
        }
    }

    static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(5);
        }
    }
}
