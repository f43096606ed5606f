package io.weft.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.io.InputStream;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WatermarkTest {

    private static final int HIGH = 256 * 1024;
    private static final int LOW = 64 * 1024;
    private static final int CHUNK = 8 * 1024;
    private static final long TOTAL = 16L << 20;

    private final EventLoopGroup group = new EventLoopGroup(1);

    @AfterEach
    void stop() {
        group.close();
    }

    /** Writes a counting byte pattern while writable; resumes on writability-changed. */
    static final class Producer implements Handler {
        final AtomicInteger becameUnwritable = new AtomicInteger();
        final AtomicInteger becameWritable = new AtomicInteger();
        final AtomicLong maxPendingWhenUnwritable = new AtomicLong();
        final AtomicLong pendingWhenWritableAgain = new AtomicLong(-1);
        final CompletableFuture<Void> finished = new CompletableFuture<>();
        long written;

        @Override
        public void channelActive(HandlerContext ctx) {
            produce(ctx);
            ctx.fireChannelActive();
        }

        @Override
        public void writabilityChanged(HandlerContext ctx) {
            TcpChannel channel = (TcpChannel) ctx.channel();
            if (channel.isWritable()) {
                becameWritable.incrementAndGet();
                pendingWhenWritableAgain.compareAndSet(-1, channel.pendingOutboundBytes());
                produce(ctx);
            } else {
                becameUnwritable.incrementAndGet();
                maxPendingWhenUnwritable.accumulateAndGet(channel.pendingOutboundBytes(), Math::max);
            }
            ctx.fireWritabilityChanged();
        }

        private void produce(HandlerContext ctx) {
            while (ctx.channel().isWritable() && written < TOTAL) {
                Buffer buffer = ctx.alloc().allocate(CHUNK);
                for (int i = 0; i < CHUNK; i++) {
                    buffer.writeByte((int) ((written + i) * 31 % 251));
                }
                written += CHUNK;
                ctx.write(buffer);
                if (written % (4 * CHUNK) == 0) {
                    ctx.flush();
                }
            }
            ctx.flush();
            if (written >= TOTAL) {
                finished.complete(null);
            }
        }
    }

    @Test
    void slowReaderFlipsWritabilityAtWatermarksWithoutLosingBytes() throws Exception {
        Producer producer = new Producer();
        try (Server server = Server.builder().group(group)
                .childOption(ChannelOption.WRITE_BUFFER_HIGH_WATER_MARK, HIGH)
                .childOption(ChannelOption.WRITE_BUFFER_LOW_WATER_MARK, LOW)
                .childOption(ChannelOption.SO_SNDBUF, 32 * 1024)
                .childHandler(ch -> ch.pipeline().addLast("producer", producer))
                .bind("127.0.0.1", 0);
             Socket reader = new Socket()) {
            reader.setReceiveBufferSize(32 * 1024);
            reader.connect(server.localAddress(), 5000);
            InputStream in = reader.getInputStream();
            // Read nothing for a while: the server's socket buffers fill and its queue passes the high mark.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (producer.becameUnwritable.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(producer.becameUnwritable.get() > 0, "channel never became unwritable");

            byte[] chunk = new byte[16 * 1024];
            long received = 0;
            while (received < TOTAL) {
                int n = in.read(chunk);
                assertTrue(n > 0, "stream ended after " + received + " bytes");
                for (int i = 0; i < n; i++) {
                    byte expected = (byte) ((received + i) * 31 % 251);
                    if (chunk[i] != expected) {
                        throw new AssertionError("byte " + (received + i) + " was " + chunk[i] + ", expected "
                                + expected);
                    }
                }
                received += n;
            }
            producer.finished.get(10, TimeUnit.SECONDS);
            assertEquals(TOTAL, received);
            assertTrue(producer.becameWritable.get() > 0, "channel never became writable again");
            assertTrue(producer.maxPendingWhenUnwritable.get() > HIGH,
                    "unwritable with only " + producer.maxPendingWhenUnwritable.get() + " bytes pending");
            assertTrue(producer.pendingWhenWritableAgain.get() < LOW,
                    "writable again with " + producer.pendingWhenWritableAgain.get() + " bytes pending");
        }
    }
}
