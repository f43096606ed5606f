package io.weft.examples.echo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Server;
import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client that pushes up to 1 GiB into the echo server and never reads the echo: the server must stop reading
 * (AUTO_READ off while its outbound buffer is above the high-water mark), so the client's writes stall after a
 * few MiB and the server's pending outbound bytes and direct memory stay bounded, instead of growing with
 * everything the client sent.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EchoBackPressureTest {

    private static final long PUSH = 1L << 30;
    /** High-water mark (64 KiB) + one batch of reads (16 reads of at most 64 KiB) + slack. */
    private static final long MAX_PENDING = 8L << 20;

    @Test
    void serverStopsReadingWhileItsPeerDoesNotRead() throws Exception {
        CompletableFuture<TcpChannel> serverSide = new CompletableFuture<>();
        long directBefore = directMemoryUsed();
        try (EventLoopGroup group = new EventLoopGroup(1);
             Server server = Server.builder().group(group).childHandler(ch -> ch.pipeline()
                     .addLast("probe", new Handler() {
                         @Override
                         public void channelActive(HandlerContext ctx) {
                             serverSide.complete((TcpChannel) ctx.channel());
                             ctx.fireChannelActive();
                         }
                     })
                     .addLast("echo", new EchoServer.EchoHandler())).bind("127.0.0.1", 0);
             Socket client = new Socket()) {
            client.setReceiveBufferSize(64 * 1024);
            client.connect(server.localAddress(), 10_000);
            TcpChannel channel = serverSide.get(10, TimeUnit.SECONDS);
            AtomicLong pushed = new AtomicLong();
            Thread writer = new Thread(() -> push(client, pushed), "never-reading-client");
            writer.setDaemon(true);
            writer.start();

            // Watch until the writes stall (no progress for 2 s); the server's queue must stay bounded throughout.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            long last = -1;
            long stableSince = System.nanoTime();
            long maxPending = 0;
            while (System.nanoTime() < deadline && pushed.get() < PUSH) {
                long pending = channel.pendingOutboundBytes();
                maxPending = Math.max(maxPending, pending);
                assertTrue(pending <= MAX_PENDING, "server queued " + pending + " bytes for a peer that does not read"
                        + " (client pushed " + pushed.get() + ")");
                long now = pushed.get();
                if (now != last) {
                    last = now;
                    stableSince = System.nanoTime();
                } else if (System.nanoTime() - stableSince > TimeUnit.SECONDS.toNanos(2)) {
                    break;
                }
                Thread.sleep(20);
            }
            assertTrue(pushed.get() < PUSH / 8, "the client pushed " + pushed.get()
                    + " bytes: the server kept reading though its peer never read");
            long directGrowth = directMemoryUsed() - directBefore;
            assertTrue(directGrowth < 64L << 20, "direct memory grew by " + directGrowth + " bytes");
            client.setSoLinger(true, 0); // unblocks the writer
        }
    }

    private static void push(Socket client, AtomicLong pushed) {
        byte[] chunk = new byte[64 * 1024];
        try {
            OutputStream out = client.getOutputStream();
            while (pushed.get() < PUSH) {
                out.write(chunk);
                pushed.addAndGet(chunk.length);
            }
        } catch (IOException closed) {
            // the test closed the socket
        }
    }

    private static long directMemoryUsed() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }
}
