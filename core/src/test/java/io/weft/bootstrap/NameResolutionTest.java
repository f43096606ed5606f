package io.weft.bootstrap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoopGroup;
import io.weft.testing.Collector;
import io.weft.testing.EchoHandler;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NameResolutionTest {

    private static EventLoopGroup serverGroup;
    private static Server server;

    @BeforeAll
    static void start() {
        serverGroup = new EventLoopGroup(1);
        server = Server.builder().group(serverGroup)
                .childHandler(ch -> ch.pipeline().addLast("echo", new EchoHandler())).bind("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.close();
        serverGroup.close();
    }

    /** Blocks like a DNS lookup that waits on a slow server: "slow.test" takes 2 s; the rest answer at once. */
    static final class TestResolver implements NameResolver {
        final ConcurrentHashMap<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        final CountDownLatch slowStarted = new CountDownLatch(1);

        @Override
        public InetAddress resolve(String host) throws UnknownHostException {
            calls.computeIfAbsent(host, h -> new AtomicInteger()).incrementAndGet();
            if (host.equals("slow.test")) {
                slowStarted.countDown();
                try {
                    Thread.sleep(2_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (host.endsWith(".test")) {
                return InetAddress.getLoopbackAddress();
            }
            throw new UnknownHostException(host);
        }
    }

    @Test
    void aNameThatTakesTwoSecondsDoesNotDelayOtherConnectionsOnTheSameLoop() throws Exception {
        TestResolver resolver = new TestResolver();
        try (EventLoopGroup oneLoop = new EventLoopGroup(1)) {
            Client client = Client.builder().group(oneLoop).resolver(resolver);
            // A connection already open on the loop keeps echoing while the slow name resolves.
            Collector collector = new Collector(3);
            TcpChannel busy = Client.builder().group(oneLoop).handler(ch -> ch.pipeline().addLast("c", collector))
                    .connect("127.0.0.1", server.port()).get(10, TimeUnit.SECONDS);

            long start = System.nanoTime();
            CompletableFuture<TcpChannel> slow = client.connect("slow.test", server.port());
            assertTrue(resolver.slowStarted.await(10, TimeUnit.SECONDS), "the slow lookup started");
            assertFalse(slow.isDone(), "connect returned at once, the lookup goes on elsewhere");

            List<TcpChannel> fast = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                fast.add(client.connect("fast" + i + ".test", server.port()).get(10, TimeUnit.SECONDS));
            }
            busy.writeAndFlush(busy.allocator().copyOf(new byte[] {1, 2, 3}));
            assertArrayEquals(new byte[] {1, 2, 3}, collector.done().get(10, TimeUnit.SECONDS));
            assertFalse(slow.isDone(), "five connects and an echo finished while the slow name was still resolving");

            TcpChannel slowChannel = slow.get(20, TimeUnit.SECONDS);
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(1_900), "the slow name took 2 s");
            assertTrue(slowChannel.isActive());
            assertTrue(fast.stream().allMatch(TcpChannel::isActive));
            assertEquals(oneLoop.next(), slowChannel.loop());
            for (TcpChannel ch : fast) {
                ch.close().get(10, TimeUnit.SECONDS);
            }
            slowChannel.close().get(10, TimeUnit.SECONDS);
            busy.close().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void answersAreCachedAndConcurrentLookupsOfOneNameShared() throws Exception {
        TestResolver resolver = new TestResolver();
        try (EventLoopGroup group = new EventLoopGroup(1)) {
            Client client = Client.builder().group(group).resolver(resolver);
            List<CompletableFuture<TcpChannel>> connects = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                connects.add(client.connect("cached.test", server.port()));
            }
            for (CompletableFuture<TcpChannel> c : connects) {
                c.get(10, TimeUnit.SECONDS).close().get(10, TimeUnit.SECONDS);
            }
            client.connect("cached.test", server.port()).get(10, TimeUnit.SECONDS).close().get(10, TimeUnit.SECONDS);
            assertEquals(1, resolver.calls.get("cached.test").get());
        }
    }

    @Test
    void failuresAndSlowLookupsFailTheConnectWithUnknownHost() throws Exception {
        TestResolver resolver = new TestResolver();
        try (EventLoopGroup group = new EventLoopGroup(1)) {
            Client client = Client.builder().group(group).resolver(resolver);
            ExecutionException unknown = assertThrows(ExecutionException.class,
                    () -> client.connect("no.such.name", server.port()).get(10, TimeUnit.SECONDS));
            assertInstanceOf(UnknownHostException.class, unknown.getCause());
            client.connect("no.such.name", server.port()).handle((c, t) -> null).get(10, TimeUnit.SECONDS);
            assertEquals(2, resolver.calls.get("no.such.name").get(), "failures are not cached");

            Client impatient = Client.builder().group(group).resolver(resolver)
                    .resolverLimits(200, 30_000, TimeUnit.MILLISECONDS, 16);
            ExecutionException late = assertThrows(ExecutionException.class,
                    () -> impatient.connect("slow.test", server.port()).get(10, TimeUnit.SECONDS));
            assertInstanceOf(UnknownHostException.class, late.getCause());
            assertTrue(late.getCause().getMessage().contains("200 ms"), late.getCause().getMessage());
        }
    }

    @Test
    void ipLiteralsNeedNoResolver() throws Exception {
        try (EventLoopGroup group = new EventLoopGroup(1)) {
            Client client = Client.builder().group(group).resolver(host -> {
                throw new AssertionError("no lookup for a literal: " + host);
            });
            client.connect("127.0.0.1", server.port()).get(10, TimeUnit.SECONDS).close().get(10, TimeUnit.SECONDS);
            assertTrue(Client.isIpLiteral("::1") && Client.isIpLiteral("10.0.0.1"));
            assertFalse(Client.isIpLiteral("example.com") || Client.isIpLiteral("1.2.3"));
        }
    }
}
