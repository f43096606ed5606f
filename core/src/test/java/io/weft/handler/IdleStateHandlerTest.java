package io.weft.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IdleStateHandlerTest {

    /** Generous: the build machine is shared and loaded; lower bounds are exact, upper bounds are not. */
    static final long TOLERANCE_MILLIS = 5_000;

    private static EventLoopGroup serverGroup;
    private static EventLoopGroup clientGroup;
    private final List<TcpChannel> clients = new ArrayList<>();
    private Server server;

    @BeforeAll
    static void startGroups() {
        serverGroup = new EventLoopGroup(1);
        clientGroup = new EventLoopGroup(1);
    }

    @AfterAll
    static void stopGroups() {
        clientGroup.close();
        serverGroup.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (TcpChannel client : clients) {
            client.close().get(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
    }

    /** Records idle events with the time they arrived; releases anything read. */
    static final class EventRecorder implements Handler {
        record Seen(IdleStateEvent event, long nanos) {
        }

        final BlockingQueue<Seen> events = new LinkedBlockingQueue<>();

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            ReferenceCounted.safeRelease(msg);
        }

        @Override
        public void userEvent(HandlerContext ctx, Object event) {
            if (event instanceof IdleStateEvent idle) {
                events.add(new Seen(idle, System.nanoTime()));
            } else {
                ctx.fireUserEvent(event);
            }
        }
    }

    private Server server(io.weft.channel.ChannelInitializer init) {
        server = Server.builder().group(serverGroup).childHandler(init).bind("127.0.0.1", 0);
        return server;
    }

    private TcpChannel connect(io.weft.channel.ChannelInitializer init) throws Exception {
        TcpChannel channel = Client.builder().group(clientGroup).handler(init)
                .connect(server.localAddress()).get(10, TimeUnit.SECONDS);
        clients.add(channel);
        return channel;
    }

    private static long millisSince(long startNanos, long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos - startNanos);
    }

    @Test
    void firesReaderWriterAndAllIdleEventsWithinTolerance() throws Exception {
        server(ch -> { });
        EventRecorder recorder = new EventRecorder();
        long start = System.nanoTime();
        connect(ch -> ch.pipeline()
                .addLast("idle", new IdleStateHandler(300, 400, 500, TimeUnit.MILLISECONDS))
                .addLast("record", recorder));
        Set<IdleState> firsts = EnumSet.noneOf(IdleState.class);
        while (firsts.size() < 3) {
            EventRecorder.Seen seen = recorder.events.poll(TOLERANCE_MILLIS, TimeUnit.MILLISECONDS);
            assertNotNull(seen, "missing idle events; got " + firsts);
            long elapsed = millisSince(start, seen.nanos());
            long expected = switch (seen.event().state()) {
                case READER_IDLE -> 300;
                case WRITER_IDLE -> 400;
                case ALL_IDLE -> 500;
            };
            if (seen.event().isFirst()) {
                assertTrue(firsts.add(seen.event().state()), "one first event per kind: " + seen.event());
                assertTrue(elapsed >= expected, seen.event() + " after " + elapsed + " ms, before " + expected);
                assertTrue(elapsed < expected + TOLERANCE_MILLIS, seen.event() + " late: " + elapsed + " ms");
            } else {
                assertTrue(firsts.contains(seen.event().state()), "repeat before first: " + seen.event());
                assertTrue(elapsed >= 2 * expected, seen.event() + " repeated after " + elapsed + " ms");
            }
        }
    }

    @Test
    void readsPostponeReaderIdleUntilTheyStop() throws Exception {
        EventRecorder recorder = new EventRecorder();
        server(ch -> ch.pipeline()
                .addLast("idle", new IdleStateHandler(1000, 0, 0, TimeUnit.MILLISECONDS))
                .addLast("record", recorder));
        TcpChannel client = connect(ch -> { });
        long lastSent = 0;
        for (int i = 0; i < 25; i++) {
            Thread.sleep(100);
            lastSent = System.nanoTime(); // the byte leaves (and is read) after this
            client.writeAndFlush(client.allocator().copyOf(new byte[] {(byte) i}));
        }
        assertNull(recorder.events.poll(), "reader idle while a byte arrived every 100 ms");
        EventRecorder.Seen seen = recorder.events.poll(1000 + TOLERANCE_MILLIS, TimeUnit.MILLISECONDS);
        assertNotNull(seen, "reader idle once reads stopped");
        assertEquals(IdleStateEvent.FIRST_READER_IDLE, seen.event());
        assertTrue(millisSince(lastSent, seen.nanos()) >= 1000,
                "idle counted from the last read, not earlier: " + millisSince(lastSent, seen.nanos()) + " ms");
    }

    @Test
    void stopsFiringOnceTheChannelIsClosed() throws Exception {
        server(ch -> { });
        EventRecorder recorder = new EventRecorder();
        TcpChannel client = connect(ch -> ch.pipeline()
                .addLast("idle", new IdleStateHandler(0, 0, 100, TimeUnit.MILLISECONDS))
                .addLast("record", recorder));
        assertNotNull(recorder.events.poll(TOLERANCE_MILLIS, TimeUnit.MILLISECONDS));
        assertNotNull(recorder.events.poll(TOLERANCE_MILLIS, TimeUnit.MILLISECONDS));
        client.close().get(5, TimeUnit.SECONDS);
        recorder.events.clear();
        Thread.sleep(600);
        assertTrue(recorder.events.isEmpty(), "events after close: " + recorder.events);
    }

    @Test
    void stopsFiringOnceTheHandlerIsRemoved() throws Exception {
        server(ch -> { });
        EventRecorder recorder = new EventRecorder();
        TcpChannel client = connect(ch -> ch.pipeline()
                .addLast("idle", new IdleStateHandler(0, 0, 100, TimeUnit.MILLISECONDS))
                .addLast("record", recorder));
        assertNotNull(recorder.events.poll(TOLERANCE_MILLIS, TimeUnit.MILLISECONDS));
        CompletableFuture<Void> removed = new CompletableFuture<>();
        client.loop().execute(() -> {
            client.pipeline().remove("idle");
            recorder.events.clear();
            removed.complete(null);
        });
        removed.get(5, TimeUnit.SECONDS);
        Thread.sleep(600);
        assertTrue(recorder.events.isEmpty(), "events after removal: " + recorder.events);
        assertTrue(client.isActive());
    }

    @Test
    void thousandIdleConnectionsCostNoThreadEach() throws Exception {
        AtomicInteger serverIdle = new AtomicInteger();
        server(ch -> ch.pipeline()
                .addLast("idle", new IdleStateHandler(300, 0, 0, TimeUnit.MILLISECONDS))
                .addLast("count", new Handler() {
                    @Override
                    public void userEvent(HandlerContext ctx, Object event) {
                        if (event == IdleStateEvent.FIRST_READER_IDLE) {
                            serverIdle.incrementAndGet();
                        }
                    }
                }));
        int threadsBefore = Thread.getAllStackTraces().size();
        int connections = 1000;
        List<CompletableFuture<TcpChannel>> pending = new ArrayList<>();
        Client client = Client.builder().group(clientGroup)
                .handler(ch -> ch.pipeline()
                        .addLast("readTimeout", new ReadTimeoutHandler(60, TimeUnit.SECONDS))
                        .addLast("idle", new IdleStateHandler(60, 60, 60)));
        for (int i = 0; i < connections; i++) {
            pending.add(client.connect(server.localAddress()));
        }
        for (CompletableFuture<TcpChannel> future : pending) {
            clients.add(future.get(30, TimeUnit.SECONDS));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (serverIdle.get() < connections && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(connections, serverIdle.get(), "every idle connection got its reader-idle event");
        int threadsAfter = Thread.getAllStackTraces().size();
        assertTrue(threadsAfter - threadsBefore < 10, "threads before " + threadsBefore + ", with " + connections
                + " idle connections and 5,000 idle timers " + threadsAfter);
        for (TcpChannel channel : clients) {
            assertTrue(channel.isActive());
        }
        assertFalse(clients.isEmpty());
    }
}
