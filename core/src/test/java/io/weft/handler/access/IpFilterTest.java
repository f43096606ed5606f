package io.weft.handler.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Server;
import io.weft.channel.ChannelOption;
import io.weft.loop.EventLoopGroup;
import io.weft.testing.EchoHandler;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** IP access control over real loopback sockets: 127.0.0.1, 127.0.0.2 and ::1. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IpFilterTest {

    private static EventLoopGroup group;
    private final List<Socket> sockets = new ArrayList<>();
    private final AtomicInteger initialized = new AtomicInteger();
    private Server server;

    @BeforeAll
    static void startGroup() {
        group = new EventLoopGroup(2);
    }

    @AfterAll
    static void stopGroup() {
        group.close();
    }

    @AfterEach
    void closeAll() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private InetSocketAddress start(String host, IpFilter filter) {
        server = Server.builder().group(group)
                .option(ChannelOption.ACCEPT_FILTER, filter)
                .childHandler(ch -> {
                    initialized.incrementAndGet();
                    ch.pipeline().addLast("echo", new EchoHandler());
                })
                .bind(host, 0);
        return server.localAddress();
    }

    /** Connects from {@code source}; the open socket if the server echoes, or {@code null} if it closed on us. */
    private Socket connect(String source, InetSocketAddress target) throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.bind(new InetSocketAddress(source, 0));
        s.connect(target, 10_000);
        s.setSoTimeout(20_000);
        byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
        try {
            s.getOutputStream().write(ping);
            InputStream in = s.getInputStream();
            byte[] got = in.readNBytes(ping.length);
            if (got.length == ping.length) {
                assertEquals("ping", new String(got, StandardCharsets.US_ASCII));
                return s;
            }
            return null; // EOF: closed by the filter
        } catch (SocketTimeoutException e) {
            throw new AssertionError("neither echoed nor closed within 20 s", e);
        } catch (IOException e) {
            return null; // reset: closed by the filter with our bytes unread
        }
    }

    private static void awaitActive(IpFilter filter, String address, int expected) throws Exception {
        InetAddress a = InetAddress.getByName(address);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (filter.activeConnections(a) != expected) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("active connections of " + address + ": " + filter.activeConnections(a));
            }
            Thread.sleep(5);
        }
    }

    @Test
    void firstMatchingIpv4RuleDecides() throws Exception {
        IpFilter filter = IpFilter.builder().rules(IpRules.builder()
                .deny("127.0.0.2/32")
                .allow("127.0.0.0/8")
                .build()).build();
        InetSocketAddress target = start("127.0.0.1", filter);

        assertTrue(connect("127.0.0.1", target) != null, "127.0.0.1 is allowed");
        assertEquals(null, connect("127.0.0.2", target), "127.0.0.2 is denied by the rule listed first");
        assertEquals(1, filter.refusedCount(RefusalReason.RULE));
        assertEquals(1, filter.acceptedCount());
        assertEquals(1, initialized.get(), "a refused connection never gets a channel or a pipeline");
    }

    @Test
    void defaultActionAppliesWhenNoRuleMatches() throws Exception {
        IpFilter filter = IpFilter.builder().rules(IpRules.builder().allow("127.0.0.2").build()).build();
        InetSocketAddress target = start("127.0.0.1", filter);
        assertEquals(null, connect("127.0.0.1", target), "default DENY");
        assertTrue(connect("127.0.0.2", target) != null);

        filter.rules(IpRules.builder().defaultAction(IpAction.ALLOW).build());
        assertTrue(connect("127.0.0.1", target) != null, "default ALLOW after replacing the rules");
        assertEquals(1, filter.refusedCount());
        assertEquals(2, initialized.get());
    }

    @Test
    void ipv6RulesAndRuntimeReplacement() throws Exception {
        assumeIpv6Loopback();
        IpFilter filter = IpFilter.builder().rules(IpRules.builder()
                .deny("127.0.0.0/8")
                .allow("::1/128")
                .build()).build();
        InetSocketAddress target = start("::1", filter);
        Socket first = connect("::1", target);
        assertTrue(first != null, "::1 is allowed");

        filter.rules(IpRules.builder().deny("::/0").defaultAction(IpAction.ALLOW).build());
        assertEquals(null, connect("::1", target), "denied after the rules were replaced");
        assertEquals(1, filter.refusedCount(RefusalReason.RULE));
        // The open connection is not re-judged.
        first.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
        assertEquals(4, first.getInputStream().readNBytes(4).length);
    }

    @Test
    void replacesRulesFromAnotherThreadWhileConnectionsArrive() throws Exception {
        IpRules denySecond = IpRules.builder().deny("127.0.0.2").allow("127.0.0.0/8").build();
        IpRules allowAll = IpRules.builder().allow("127.0.0.0/8").build();
        IpFilter filter = IpFilter.builder().rules(denySecond).build();
        InetSocketAddress target = start("127.0.0.1", filter);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread flipper = new Thread(() -> {
            while (!stop.get()) {
                filter.rules(allowAll);
                filter.rules(denySecond);
            }
        });
        flipper.start();
        try {
            for (int i = 0; i < 50; i++) {
                Socket s = connect("127.0.0.1", target);
                assertTrue(s != null, "127.0.0.1 is allowed by both rule sets (round " + i + ")");
                s.close();
            }
        } finally {
            stop.set(true);
            flipper.join();
        }
        assertEquals(denySecond, filter.rules());
        assertEquals(null, connect("127.0.0.2", target));
        assertEquals(1, filter.refusedCount());
    }

    @Test
    void limitsOpenConnectionsPerAddress() throws Exception {
        IpFilter filter = IpFilter.builder().maxConnectionsPerAddress(2).build();
        InetSocketAddress target = start("127.0.0.1", filter);
        Socket a = connect("127.0.0.1", target);
        Socket b = connect("127.0.0.1", target);
        assertTrue(a != null && b != null);
        assertEquals(null, connect("127.0.0.1", target), "third connection from 127.0.0.1");
        assertTrue(connect("127.0.0.2", target) != null, "another address has its own allowance");
        assertEquals(1, filter.refusedCount(RefusalReason.ADDRESS_CONNECTION_LIMIT));

        a.close();
        awaitActive(filter, "127.0.0.1", 1);
        assertTrue(connect("127.0.0.1", target) != null, "a slot is free again once a connection closed");
        assertEquals(4, filter.acceptedCount());
        assertEquals(3, filter.activeConnections(), "b, the one from 127.0.0.2 and the new one");
    }

    @Test
    void limitsNewConnectionsPerSecondPerAddressAndGlobally() throws Exception {
        // A refill of one token per 1,000 s: the outcome depends on the bursts alone, never on the machine's speed.
        IpFilter filter = IpFilter.builder()
                .connectionRatePerAddress(0.001, 2)
                .connectionRate(0.001, 3)
                .build();
        InetSocketAddress target = start("127.0.0.1", filter);
        assertTrue(connect("127.0.0.1", target) != null);
        assertTrue(connect("127.0.0.1", target) != null);
        assertEquals(null, connect("127.0.0.1", target), "address burst of 2 used up");
        assertEquals(1, filter.refusedCount(RefusalReason.ADDRESS_RATE));
        assertTrue(connect("127.0.0.2", target) != null, "third of the global burst of 3");
        assertEquals(null, connect("127.0.0.2", target), "global burst used up");
        assertEquals(1, filter.refusedCount(RefusalReason.GLOBAL_RATE));
        assertEquals(3, initialized.get());
    }

    @Test
    void refillsTokensOverTime() {
        long[] now = {0};
        IpFilter filter = IpFilter.builder().connectionRatePerAddress(10, 2).clock(() -> now[0]).build();
        InetSocketAddress peer = new InetSocketAddress("127.0.0.1", 5000);
        assertTrue(filter.accept(peer));
        assertTrue(filter.accept(peer));
        assertFalse(filter.accept(peer));
        now[0] += 99_000_000; // 0.99 of a token
        assertFalse(filter.accept(peer));
        now[0] += 2_000_000;
        assertTrue(filter.accept(peer));
        assertFalse(filter.accept(peer));
        now[0] += TimeUnit.SECONDS.toNanos(100);
        assertTrue(filter.accept(peer));
        assertTrue(filter.accept(peer));
        assertFalse(filter.accept(peer), "the burst caps the refill");
        assertEquals(4, filter.refusedCount(RefusalReason.ADDRESS_RATE));
    }

    @Test
    void perAddressStateStaysBoundedUnderAFloodOfAddresses() throws Exception {
        long[] now = {0};
        IpFilter filter = IpFilter.builder().connectionRatePerAddress(1, 5).maxConnectionsPerAddress(10)
                .maxTrackedAddresses(100).clock(() -> now[0]).build();
        InetSocketAddress holder = new InetSocketAddress(InetAddress.getByName("10.0.0.1"), 1);
        assertTrue(filter.accept(holder)); // stays open, so its state can never be evicted
        for (int i = 0; i < 10_000; i++) {
            byte[] a = {10, 1, (byte) (i >> 8), (byte) i};
            assertTrue(filter.accept(new InetSocketAddress(InetAddress.getByAddress(a), 1)));
            filter.closed(new InetSocketAddress(InetAddress.getByAddress(a), 1));
            assertTrue(filter.trackedAddresses() <= 100, "tracked " + filter.trackedAddresses());
        }
        assertEquals(1, filter.activeConnections(holder.getAddress()));
        filter.closed(holder);
        assertEquals(0, filter.activeConnections());
    }

    @Test
    void failsClosedWhenEveryTrackedAddressHasOpenConnections() throws Exception {
        IpFilter filter = IpFilter.builder().maxConnectionsPerAddress(1).maxTrackedAddresses(2).build();
        assertTrue(filter.accept(new InetSocketAddress("127.0.0.1", 1)));
        assertTrue(filter.accept(new InetSocketAddress("127.0.0.2", 1)));
        assertFalse(filter.accept(new InetSocketAddress("127.0.0.3", 1)));
        assertEquals(1, filter.refusedCount(RefusalReason.TRACKING_FULL));
        filter.closed(new InetSocketAddress("127.0.0.1", 1));
        assertTrue(filter.accept(new InetSocketAddress("127.0.0.3", 1)), "room after a close");
    }

    @Test
    void releasesTheAddressSlotWhenTheServerClosesTheConnection() throws Exception {
        IpFilter filter = IpFilter.builder().maxConnectionsPerAddress(1).build();
        server = Server.builder().group(group)
                .option(ChannelOption.ACCEPT_FILTER, filter)
                .childHandler(ch -> ch.pipeline().addLast("close", new io.weft.pipeline.Handler() {
                    @Override
                    public void channelRead(io.weft.pipeline.HandlerContext ctx, Object msg) {
                        io.weft.buffer.ReferenceCounted.safeRelease(msg);
                        ctx.close();
                    }
                }))
                .bind("127.0.0.1", 0);
        for (int i = 0; i < 5; i++) {
            try (Socket s = new Socket()) {
                s.connect(server.localAddress(), 10_000);
                s.setSoTimeout(20_000);
                s.getOutputStream().write(1);
                assertEquals(-1, s.getInputStream().read(), "closed by the server after one byte");
            }
            awaitActive(filter, "127.0.0.1", 0);
        }
        assertEquals(5, filter.acceptedCount());
        assertEquals(0, filter.refusedCount());
    }

    private static void assumeIpv6Loopback() {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress("::1", 0));
        } catch (IOException | RuntimeException e) {
            Assumptions.abort("IPv6 loopback unavailable: " + e);
        }
    }
}
