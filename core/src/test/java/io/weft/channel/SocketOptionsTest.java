package io.weft.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.loop.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SocketOptionsTest {

    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new EventLoopGroup(2);
    }

    @AfterAll
    static void stop() {
        group.close();
    }

    @Test
    void ofGivesTheConstantForAStandardOptionAndOneInstancePerOtherOption() {
        assertSame(ChannelOption.TCP_NODELAY, ChannelOption.of(StandardSocketOptions.TCP_NODELAY));
        assertSame(ChannelOption.SO_REUSEPORT, ChannelOption.of(StandardSocketOptions.SO_REUSEPORT));
        SocketOption<Integer> keepIdle = extended("TCP_KEEPIDLE");
        Assumptions.assumeTrue(keepIdle != null, "no TCP_KEEPIDLE on this platform");
        ChannelOption<Integer> option = ChannelOption.of(keepIdle);
        assertSame(option, ChannelOption.of(keepIdle));
        assertEquals("TCP_KEEPIDLE", option.name());
        assertEquals(Integer.class, option.type());
    }

    @Test
    void bootstrapsRefuseUnsupportedOptionsAndBadValuesAtOnce() {
        Server.Builder builder = Server.builder();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder.childOption(ChannelOption.SO_BROADCAST, true));
        assertTrue(e.getMessage().contains("SO_BROADCAST"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> builder.childOption(ChannelOption.IP_TOS, 300));
        assertThrows(IllegalArgumentException.class, () -> builder.childOption(ChannelOption.SO_RCVBUF, -1));
        assertThrows(IllegalArgumentException.class, () -> Client.builder().option(ChannelOption.SO_BROADCAST, true));
    }

    @Test
    void tosAndKeepAliveTuningReachTheSocket() throws Exception {
        SocketOption<Integer> keepIdle = extended("TCP_KEEPIDLE");
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        Server.Builder builder = Server.builder().group(group).childHandler(accepted::complete)
                .childOption(ChannelOption.IP_TOS, 0x10)
                .childOption(ChannelOption.SO_KEEPALIVE, true);
        if (keepIdle != null) {
            builder.childOption(ChannelOption.of(keepIdle), 77);
        }
        try (Server server = builder.bind("127.0.0.1", 0)) {
            TcpChannel client = Client.builder().group(group).handler(ch -> { })
                    .option(ChannelOption.IP_TOS, 0x08)
                    .connect(server.localAddress()).get(10, TimeUnit.SECONDS);
            Channel child = accepted.get(10, TimeUnit.SECONDS);
            assertEquals(0x10, child.option(ChannelOption.IP_TOS));
            assertEquals(true, child.option(ChannelOption.SO_KEEPALIVE));
            assertEquals(0x08, client.option(ChannelOption.IP_TOS));
            if (keepIdle != null) {
                assertEquals(77, child.option(ChannelOption.of(keepIdle)));
            }
            client.close().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void twoServersWithReusePortShareOnePortAndBothReceiveConnections() throws Exception {
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            Assumptions.assumeTrue(probe.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT),
                    "SO_REUSEPORT not supported here");
        }
        AtomicInteger first = new AtomicInteger();
        AtomicInteger second = new AtomicInteger();
        try (EventLoopGroup otherGroup = new EventLoopGroup(1);
             Server a = Server.builder().group(group).option(ChannelOption.SO_REUSEPORT, true)
                     .childHandler(ch -> first.incrementAndGet()).bind("127.0.0.1", 0);
             Server b = Server.builder().group(otherGroup).option(ChannelOption.SO_REUSEPORT, true)
                     .childHandler(ch -> second.incrementAndGet()).bind("127.0.0.1", a.port())) {
            assertEquals(a.port(), b.port());
            // The kernel hashes each connection to one listener: connect until both have had some, within bounds.
            List<SocketChannel> clients = new ArrayList<>();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while ((first.get() == 0 || second.get() == 0) && clients.size() < 400
                        && System.nanoTime() < deadline) {
                    clients.add(SocketChannel.open(new InetSocketAddress("127.0.0.1", a.port())));
                    if (clients.size() % 20 == 0) {
                        waitForAccepts(first, second, clients.size());
                    }
                }
                waitForAccepts(first, second, clients.size());
            } finally {
                for (SocketChannel c : clients) {
                    c.close();
                }
            }
            assertTrue(first.get() > 0 && second.get() > 0,
                    "connections per server: " + first.get() + " and " + second.get());
        }
    }

    private static void waitForAccepts(AtomicInteger first, AtomicInteger second, int expected)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (first.get() + second.get() < expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    /** A jdk.net extended option by name, or null where the platform lacks it (found without naming jdk.net). */
    @SuppressWarnings("unchecked")
    static <T> SocketOption<T> extended(String name) {
        try (SocketChannel ch = SocketChannel.open()) {
            for (SocketOption<?> option : ch.supportedOptions()) {
                if (option.name().equals(name)) {
                    return (SocketOption<T>) option;
                }
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }
}
