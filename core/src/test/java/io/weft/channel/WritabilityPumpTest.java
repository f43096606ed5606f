package io.weft.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.buffer.Buffer;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's back-pressure pattern (write while {@code isWritable()}, resume in {@code writabilityChanged}) must
 * never nest: writability changes caused by the pump's own write or flush arrive after it returns. Before the fix
 * the pump re-entered itself from inside {@code flush} (153 deep at 10 MB) and overflowed the stack on big files.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class WritabilityPumpTest {

    private static final long TOTAL = Long.getLong("weft.test.pumpBytes", 1L << 30);
    private static final int CHUNK = 32 * 1024;
    private static final int PATTERN = 1 << 20;

    /** Writes TOTAL pseudo-random bytes while writable; then shuts the output down so the reader sees EOF. */
    private static final class Pump implements Handler {
        private final byte[] pattern = new byte[PATTERN + CHUNK];
        private final CRC32 crc = new CRC32();
        private final CompletableFuture<Void> sent = new CompletableFuture<>();
        private long remaining = TOTAL;
        private long chunks;
        private int depth;
        private int maxDepth;
        private long writabilityEvents;

        Pump() {
            new Random(42).nextBytes(pattern);
        }

        @Override
        public void channelActive(HandlerContext ctx) {
            pump(ctx);
            ctx.fireChannelActive();
        }

        @Override
        public void writabilityChanged(HandlerContext ctx) {
            writabilityEvents++;
            if (ctx.channel().isWritable()) {
                pump(ctx);
            }
        }

        private void pump(HandlerContext ctx) {
            depth++;
            maxDepth = Math.max(maxDepth, depth);
            try {
                while (remaining > 0 && ctx.channel().isWritable()) {
                    int n = (int) Math.min(CHUNK, remaining);
                    int offset = (int) ((chunks++ * 7919) % PATTERN);
                    Buffer buffer = ctx.alloc().allocate(n);
                    buffer.writeBytes(pattern, offset, n);
                    crc.update(pattern, offset, n);
                    remaining -= n;
                    ctx.write(buffer);
                }
                ctx.flush();
                if (remaining == 0 && !sent.isDone()) {
                    sent.complete(null);
                    ((TcpChannel) ctx.channel()).shutdownOutput();
                }
            } finally {
                depth--;
            }
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            sent.completeExceptionally(cause);
            ctx.close();
        }
    }

    @Test
    void pumpSendsOneGibibyteByteExactWithoutNesting() throws Exception {
        try (EventLoopGroup group = new EventLoopGroup(1);
             ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            CompletableFuture<long[]> received = CompletableFuture.supplyAsync(() -> {
                try (SocketChannel peer = listener.accept()) {
                    ByteBuffer in = ByteBuffer.allocateDirect(1 << 20);
                    CRC32 crc = new CRC32();
                    long count = 0;
                    while (peer.read(in) >= 0) {
                        in.flip();
                        count += in.remaining();
                        crc.update(in);
                        in.clear();
                    }
                    return new long[] {count, crc.getValue()};
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Pump pump = new Pump();
            TcpChannel channel = Client.builder().group(group).handler(ch -> ch.pipeline().addLast("pump", pump))
                    .connect(listener.getLocalAddress()).get(10, TimeUnit.SECONDS);
            long[] result = received.get(240, TimeUnit.SECONDS);
            pump.sent.get(5, TimeUnit.SECONDS);
            CompletableFuture<int[]> depths = new CompletableFuture<>();
            channel.loop().execute(() -> depths.complete(new int[] {pump.maxDepth, (int) pump.writabilityEvents}));
            int[] seen = depths.get(5, TimeUnit.SECONDS);
            assertEquals(TOTAL, result[0], "bytes received");
            assertEquals(pump.crc.getValue(), result[1], "CRC32 of the bytes received");
            assertTrue(seen[1] > 100, "the pump was paused and resumed by writability events: " + seen[1]);
            assertTrue(seen[0] <= 2, "pump nesting depth " + seen[0] + " exceeds 2");
            channel.close().get(10, TimeUnit.SECONDS);
        }
    }
}
