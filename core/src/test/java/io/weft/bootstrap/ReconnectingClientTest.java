package io.weft.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.buffer.Buffer;
import io.weft.channel.ChannelOption;
import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReconnectingClientTest {

    @Test
    void backoffIsCappedExponentialWithFullJitter() {
        long base = 100_000_000; // 100 ms
        long cap = 1_000_000_000; // 1 s
        // random = 0.5: half of the ceiling, which doubles per attempt up to the cap
        assertEquals(50_000_000, ReconnectingClient.backoffNanos(0, base, cap, 0.5));
        assertEquals(100_000_000, ReconnectingClient.backoffNanos(1, base, cap, 0.5));
        assertEquals(400_000_000, ReconnectingClient.backoffNanos(3, base, cap, 0.5));
        assertEquals(500_000_000, ReconnectingClient.backoffNanos(4, base, cap, 0.5));
        assertEquals(500_000_000, ReconnectingClient.backoffNanos(1_000, base, cap, 0.5));
        // full jitter: anywhere from 0 up to (not including) the ceiling
        assertEquals(0, ReconnectingClient.backoffNanos(7, base, cap, 0.0));
        assertTrue(ReconnectingClient.backoffNanos(2, base, cap, Math.nextDown(1.0)) < 400_000_000);
        assertTrue(ReconnectingClient.backoffNanos(2, base, cap, Math.nextDown(1.0)) > 399_000_000);
    }

    /** Records the listener's calls as strings. */
    static final class Events implements ReconnectingClient.Listener {
        final LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
        final List<Duration> delays = new CopyOnWriteArrayList<>();

        @Override
        public void connected(TcpChannel channel) {
            events.add("up");
        }

        @Override
        public void disconnected(TcpChannel channel) {
            events.add("down");
        }

        @Override
        public void attemptFailed(Throwable cause, int attempt, Duration retryIn) {
            events.add("failed " + attempt);
            delays.add(retryIn);
        }

        String next() throws InterruptedException {
            String event = events.poll(20, TimeUnit.SECONDS);
            if (event == null) {
                throw new AssertionError("no listener event within 20 s");
            }
            return event;
        }
    }

    private static Server echo(int port) {
        return Server.builder().group(new EventLoopGroup(1)).option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(ch -> ch.pipeline().addLast(new Handler() {
                    @Override
                    public void channelRead(HandlerContext ctx, Object msg) {
                        ctx.writeAndFlush(msg);
                    }
                }))
                .bind("127.0.0.1", port);
    }

    private static void kill(Server server) {
        server.close();
        server.workerGroup().close();
    }

    @Test
    void reconnectsWithBackoffAndTellsTheApplication() throws Exception {
        Server server = echo(0);
        int port = server.port();
        Events events = new Events();
        LinkedBlockingQueue<Byte> echoed = new LinkedBlockingQueue<>();
        try (EventLoopGroup group = new EventLoopGroup(1)) {
            ReconnectingClient link = ReconnectingClient.builder().group(group).remote("127.0.0.1", port)
                    .backoff(Duration.ofMillis(20), Duration.ofMillis(200))
                    .handler(ch -> ch.pipeline().addLast(new Handler() {
                        @Override
                        public void channelRead(HandlerContext ctx, Object msg) {
                            Buffer b = (Buffer) msg;
                            while (b.isReadable()) {
                                echoed.add(b.readByte());
                            }
                            b.release();
                        }
                    }))
                    .listener(events)
                    .start();
            try {
                assertEquals("up", events.next());
                send(link, 1);
                assertEquals((byte) 1, echoed.poll(20, TimeUnit.SECONDS));

                kill(server);
                assertEquals("down", events.next());
                assertEquals("failed 1", events.next());
                assertEquals("failed 2", events.next());
                assertEquals("failed 3", events.next());
                assertNull(link.channel());
                for (int i = 0; i < events.delays.size(); i++) {
                    long ceiling = Math.min(200, 20L << (i + 1));
                    assertTrue(events.delays.get(i).toMillis() <= ceiling, "delay " + i + " " + events.delays);
                }

                server = echo(port);
                String event;
                do {
                    event = events.next();
                } while (event.startsWith("failed"));
                assertEquals("up", event);
                waitFor(link::isConnected);
                send(link, 2);
                assertEquals((byte) 2, echoed.poll(20, TimeUnit.SECONDS));
            } finally {
                link.close();
            }
            // Closed: the connection goes down and no attempt follows.
            assertEquals("down", events.next());
            kill(server);
            assertNull(events.events.poll(500, TimeUnit.MILLISECONDS));
            assertTrue(!link.isConnected());
        }
    }

    private static void send(ReconnectingClient link, int value) throws InterruptedException {
        waitFor(link::isConnected);
        TcpChannel ch = link.channel();
        Buffer b = ch.allocator().allocate(1);
        b.writeByte(value);
        ch.writeAndFlush(b);
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(5);
        }
    }
}
