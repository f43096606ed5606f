package io.weft.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.buffer.PooledAllocator;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 16 MiB echoed byte-exact on each of 200 concurrent connections (3.2 GiB each way). Neither side holds a payload:
 * the bytes follow a seeded pattern that the client generates while writable and checks as it arrives, and the
 * server echoes with back-pressure (it stops reading while its channel is unwritable), so memory stays bounded.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BulkEchoTest {

    private static final int CONNECTIONS = 200;
    private static final long PAYLOAD = 16L << 20;
    private static final int CHUNK = 64 * 1024;
    /** What the server may hold at its peak across all connections: 128 MiB, against 3.2 GiB echoed. */
    private static final long SERVER_MEMORY_BOUND = 128L << 20;
    private static final int PATTERN_LENGTH = 65_521; // prime, so chunks never line up with the pattern
    private static final byte[] PATTERN = new byte[PATTERN_LENGTH + CHUNK];

    static {
        byte[] period = new byte[PATTERN_LENGTH];
        new Random(2026).nextBytes(period);
        // Periodic, so any CHUNK bytes from any offset below PATTERN_LENGTH read the pattern without wrapping.
        for (int i = 0; i < PATTERN.length; i++) {
            PATTERN[i] = period[i % PATTERN_LENGTH];
        }
    }

    /** The server's own pool, so its memory can be measured apart from the client's. */
    private static final PooledAllocator SERVER_POOL = new PooledAllocator();
    /** Most bytes any server connection had queued for writing after a read batch. */
    private static final AtomicLong MAX_PENDING = new AtomicLong();
    /** Most bytes the server's pool had in use, sampled after each read batch. */
    private static final AtomicLong MAX_SERVER_USED = new AtomicLong();

    private static EventLoopGroup serverGroup;
    private static EventLoopGroup clientGroup;
    private static Server server;

    @BeforeAll
    static void start() {
        serverGroup = new EventLoopGroup(2);
        clientGroup = new EventLoopGroup(2);
        server = Server.builder().group(serverGroup)
                .childOption(ChannelOption.ALLOCATOR, SERVER_POOL)
                .childHandler(ch -> ch.pipeline().addLast("echo", new BackPressureEcho()))
                .bind("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.close();
        clientGroup.close();
        serverGroup.close();
    }

    private static int patternOffset(int connection, long position) {
        return (int) ((position + connection * 7_919L) % PATTERN_LENGTH);
    }

    /** Echoes; pauses reading while the peer is not taking the echo back fast enough. */
    static final class BackPressureEcho implements Handler {
        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
            ctx.flush();
            MAX_PENDING.accumulateAndGet(((TcpChannel) ctx.channel()).pendingOutboundBytes(), Math::max);
            MAX_SERVER_USED.accumulateAndGet(SERVER_POOL.usedBytes(), Math::max);
            if (!ctx.channel().isWritable()) {
                ctx.channel().setOption(ChannelOption.AUTO_READ, false);
            }
        }

        @Override
        public void writabilityChanged(HandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                ctx.channel().setOption(ChannelOption.AUTO_READ, true);
            }
            ctx.fireWritabilityChanged();
        }
    }

    /** Writes the connection's pattern while writable and checks every echoed byte against it. */
    static final class PatternClient implements Handler {
        private final int connection;
        private final CompletableFuture<Long> done = new CompletableFuture<>();
        private final byte[] scratch = new byte[CHUNK];
        private long written;
        private long received;

        PatternClient(int connection) {
            this.connection = connection;
        }

        @Override
        public void channelActive(HandlerContext ctx) {
            produce(ctx);
            ctx.fireChannelActive();
        }

        @Override
        public void writabilityChanged(HandlerContext ctx) {
            produce(ctx);
        }

        private void produce(HandlerContext ctx) {
            while (ctx.channel().isWritable() && written < PAYLOAD) {
                int length = (int) Math.min(CHUNK, PAYLOAD - written);
                Buffer buffer = ctx.alloc().allocate(length);
                buffer.writeBytes(PATTERN, patternOffset(connection, written), length);
                written += length;
                ctx.write(buffer);
            }
            ctx.flush();
        }

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            Buffer buffer = (Buffer) msg;
            try {
                while (buffer.isReadable()) {
                    int length = Math.min(buffer.readableBytes(), CHUNK);
                    buffer.readBytes(scratch, 0, length);
                    int offset = patternOffset(connection, received);
                    for (int i = 0; i < length; i++) {
                        if (scratch[i] != PATTERN[offset + i]) {
                            done.completeExceptionally(new AssertionError(
                                    "connection " + connection + ": byte " + (received + i) + " differs"));
                            ctx.close();
                            return;
                        }
                    }
                    received += length;
                }
            } finally {
                buffer.release();
            }
            if (received == PAYLOAD) {
                done.complete(received);
                ctx.close();
            }
        }

        @Override
        public void channelInactive(HandlerContext ctx) {
            done.completeExceptionally(new IllegalStateException(
                    "connection " + connection + " closed after " + received + " of " + PAYLOAD + " bytes"));
        }
    }

    @Test
    void echoes16MiBByteExactOnEachOf200ConcurrentConnections() throws Exception {
        List<PatternClient> clients = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            PatternClient client = new PatternClient(i);
            clients.add(client);
            Client.builder().group(clientGroup)
                    .handler(ch -> ch.pipeline().addLast("pattern", client))
                    .connect(server.localAddress()).get(10, TimeUnit.SECONDS);
        }
        for (PatternClient client : clients) {
            assertEquals(PAYLOAD, client.done.get(150, TimeUnit.SECONDS));
        }
        // Bounded memory: a connection queues at most the high water mark plus one read batch before it stops
        // reading, and the server as a whole holds a small fraction of the 3.2 GiB that passed through it.
        long perConnectionBound = ChannelOption.WRITE_BUFFER_HIGH_WATER_MARK.defaultValue()
                + (long) ChannelOption.MAX_READS_PER_EVENT.defaultValue() * ChannelOption.RECEIVE_BUFFER_MAX.defaultValue();
        assertTrue(MAX_PENDING.get() <= perConnectionBound,
                "a connection queued " + MAX_PENDING.get() + " bytes, bound " + perConnectionBound);
        assertTrue(MAX_SERVER_USED.get() <= SERVER_MEMORY_BOUND,
                "the server held " + MAX_SERVER_USED.get() + " bytes of buffers, bound " + SERVER_MEMORY_BOUND);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (SERVER_POOL.usedBytes() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(0, SERVER_POOL.usedBytes(), "the server still holds buffers after every connection closed");
    }
}
