package io.weft.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.balance.Backend;
import io.weft.balance.BackendSet;
import io.weft.balance.BalanceStrategy;
import io.weft.balance.CircuitBreaker;
import io.weft.bootstrap.Server;
import io.weft.loop.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The TCP proxy between real client sockets and real backends, all on 127.0.0.1. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TcpProxyTest {

    private static EventLoopGroup proxyGroup;
    private static ExecutorService clients;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeAll
    static void startGroup() {
        proxyGroup = new EventLoopGroup(2);
        clients = Executors.newFixedThreadPool(16);
    }

    @AfterAll
    static void stopGroup() {
        clients.shutdownNow();
        proxyGroup.close();
    }

    @AfterEach
    void closeResources() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        resources.clear();
    }

    private TestBackends backends(int n) {
        TestBackends backends = new TestBackends(n);
        resources.add(backends);
        return backends;
    }

    private Server proxy(TcpProxy proxy) {
        Server server = Server.builder().group(proxyGroup).childHandler(proxy).bind("127.0.0.1", 0);
        resources.add(server);
        return server;
    }

    /** Runs {@code connections} round trips through {@code port}, 16 at a time; returns connections per backend. */
    private static int[] spread(int port, int connections, int backends) throws Exception {
        List<Future<Integer>> results = new ArrayList<>(connections);
        for (int i = 0; i < connections; i++) {
            results.add(clients.submit(() -> TestBackends.roundTrip(port)));
        }
        int[] counts = new int[backends];
        for (Future<Integer> result : results) {
            counts[result.get(60, TimeUnit.SECONDS)]++;
        }
        return counts;
    }

    @Test
    void roundRobinSpreads3000ConnectionsExactlyEvenly() throws Exception {
        TestBackends backends = backends(3);
        BackendSet set = new BackendSet(BalanceStrategy.roundRobin());
        for (int i = 0; i < 3; i++) {
            set.add(backends.address(i));
        }
        Server server = proxy(TcpProxy.builder(set).build());
        int[] counts = spread(server.port(), 3000, 3);
        assertEquals(1000, counts[0]);
        assertEquals(1000, counts[1]);
        assertEquals(1000, counts[2]);
        for (int i = 0; i < 3; i++) {
            assertEquals(1000, set.backends().get(i).totalConnections());
            assertEquals(1000, backends.accepted(i));
        }
        waitFor(() -> set.backends().stream().allMatch(b -> b.activeConnections() == 0));
        for (Backend b : set.backends()) {
            assertEquals(2000, b.bytesToBackend(), "two bytes per connection to the backend");
            assertEquals(3000, b.bytesFromBackend(), "greeting and echo from the backend");
        }
    }

    @Test
    void weightedSharesFollowWeightsWithin2Percent() throws Exception {
        TestBackends backends = backends(3);
        BackendSet set = new BackendSet(BalanceStrategy.weightedRoundRobin());
        set.add(backends.address(0), 5);
        set.add(backends.address(1), 1);
        set.add(backends.address(2), 1);
        Server server = proxy(TcpProxy.builder(set).build());
        int[] counts = spread(server.port(), 3000, 3);
        double[] expected = {5 / 7.0, 1 / 7.0, 1 / 7.0};
        for (int i = 0; i < 3; i++) {
            double share = counts[i] / 3000.0;
            assertTrue(Math.abs(share - expected[i]) <= 0.02, "backend " + i + " got " + counts[i]);
        }
    }

    @Test
    void leastConnectionsSendsNewConnectionsToTheBackendWithFewestOpen() throws Exception {
        TestBackends backends = backends(3);
        BackendSet set = new BackendSet(BalanceStrategy.leastConnections());
        for (int i = 0; i < 3; i++) {
            set.add(backends.address(i));
        }
        Server server = proxy(TcpProxy.builder(set).build());
        List<List<Socket>> held = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        try {
            for (int i = 0; i < 9; i++) {
                Socket socket = new Socket("127.0.0.1", server.port());
                socket.setSoTimeout(10_000);
                held.get(TestBackends.greeting(socket)).add(socket);
            }
            for (List<Socket> sockets : held) {
                assertEquals(3, sockets.size(), "each backend holds three");
            }
            // Backend 1 loses two connections: the next two new ones must both go to it.
            held.get(1).remove(0).close();
            held.get(1).remove(0).close();
            waitFor(() -> set.backends().get(1).activeConnections() == 1);
            for (int i = 0; i < 2; i++) {
                Socket socket = new Socket("127.0.0.1", server.port());
                socket.setSoTimeout(10_000);
                assertEquals(1, TestBackends.greeting(socket));
                held.get(1).add(socket);
            }
            assertEquals(3, backends.openConnections(1));
        } finally {
            for (List<Socket> sockets : held) {
                for (Socket socket : sockets) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void connectFailuresAreRetriedOnAnotherBackendAndEjectTheDeadOne() throws Exception {
        TestBackends backends = backends(2);
        BackendSet set = new BackendSet(BalanceStrategy.roundRobin(),
                new CircuitBreaker.Settings(3, Duration.ofSeconds(30), Duration.ofSeconds(60), 1));
        Backend dead = set.add(deadAddress());
        set.add(backends.address(0));
        set.add(backends.address(1));
        Server server = proxy(TcpProxy.builder(set).connectAttempts(2).build());
        for (int i = 0; i < 30; i++) {
            TestBackends.roundTrip(server.port()); // throws if the client connection failed
        }
        assertEquals(Backend.State.EJECTED, dead.state());
        assertEquals(0, dead.activeConnections());
        assertEquals(30, backends.accepted(0) + backends.accepted(1));
    }

    @Test
    void closesTheClientWhenNoBackendIsLeft() throws Exception {
        BackendSet set = new BackendSet(BalanceStrategy.roundRobin());
        set.add(deadAddress());
        set.add(deadAddress());
        Server server = proxy(TcpProxy.builder(set).connectAttempts(5).build());
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            assertEquals(-1, socket.getInputStream().read());
        }
        waitFor(() -> set.backends().stream().allMatch(b -> b.activeConnections() == 0));
    }

    @Test
    void backendGoingAwayClosesTheClientAndTheReverse() throws Exception {
        TestBackends backends = backends(1);
        BackendSet set = new BackendSet(BalanceStrategy.roundRobin());
        Backend backend = set.add(backends.address(0));
        Server server = proxy(TcpProxy.builder(set).build());
        // Client leaves: the backend connection closes and the slot is released.
        Socket first = new Socket("127.0.0.1", server.port());
        first.setSoTimeout(10_000);
        assertEquals(0, TestBackends.greeting(first));
        first.setSoLinger(true, 0);
        first.close(); // reset
        waitFor(() -> backends.openConnections(0) == 0 && backend.activeConnections() == 0);
        // Backend dies: the client sees the end of the stream.
        try (Socket second = new Socket("127.0.0.1", server.port())) {
            second.setSoTimeout(10_000);
            assertEquals(0, TestBackends.greeting(second));
            backends.kill(0);
            assertEquals(-1, second.getInputStream().read());
        }
        waitFor(() -> backend.activeConnections() == 0);
    }

    @Test
    void keepsEachClientAndItsBackendConnectionOnTheSameLoop() throws Exception {
        TestBackends backends = backends(1);
        BackendSet set = new BackendSet(BalanceStrategy.roundRobin());
        set.add(backends.address(0));
        List<io.weft.loop.EventLoop> clientLoops = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<io.weft.loop.EventLoop> backendLoops = new java.util.concurrent.CopyOnWriteArrayList<>();
        TcpProxy proxy = TcpProxy.builder(set).backendInitializer(ch -> backendLoops.add(ch.loop())).build();
        Server server = Server.builder().group(proxyGroup).childHandler(ch -> {
            clientLoops.add(ch.loop());
            proxy.initChannel(ch);
        }).bind("127.0.0.1", 0);
        resources.add(server);
        for (int i = 0; i < 10; i++) {
            TestBackends.roundTrip(server.port()); // one at a time, so the i-th client pairs with the i-th backend
        }
        assertEquals(10, backendLoops.size());
        assertEquals(clientLoops, backendLoops);
        assertEquals(2, new java.util.HashSet<>(clientLoops).size(), "both proxy loops served connections");
    }

    /** An address nothing listens on: a port bound and released again. */
    static InetSocketAddress deadAddress() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return new InetSocketAddress("127.0.0.1", s.getLocalPort());
        }
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
