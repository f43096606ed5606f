package io.weft.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.balance.Backend;
import io.weft.balance.BackendSet;
import io.weft.balance.BalanceStrategy;
import io.weft.bootstrap.Server;
import io.weft.channel.ChannelOption;
import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoopGroup;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A large stream relayed byte-exact both ways at once through the TCP proxy, with a slow reader on each end, and
 * the bytes the proxy holds stay bounded. 256 MiB each way by default to keep CI fast; the 1 GiB runs with
 * {@code -Dweft.proxy.streamBytes=1073741824}.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class TcpProxyStreamTest {

    private static final long BYTES = Long.getLong("weft.proxy.streamBytes", 256L << 20);
    private static final int CHUNK = 64 * 1024;
    private static final int PERIOD = 65_521; // prime: chunks never line up with the pattern
    private static final byte[] PATTERN = new byte[PERIOD + CHUNK];
    /** The slow readers pause this long after every PAUSE_EVERY bytes. */
    private static final long PAUSE_EVERY = 8L << 20;
    private static final long PAUSE_MILLIS = 20;
    /** The longest first pause: until the proxy's queue has been seen above its high water mark. */
    private static final long FIRST_PAUSE_MILLIS = 10_000;
    private static final long HIGH_WATER_MARK = ChannelOption.WRITE_BUFFER_HIGH_WATER_MARK.defaultValue();
    /** What the proxy may queue towards one side: a high water mark plus one read batch (16 reads of at most 64 KiB), with room. */
    private static final long PENDING_BOUND = 8L << 20;

    static {
        byte[] period = new byte[PERIOD];
        new Random(11).nextBytes(period);
        for (int i = 0; i < PATTERN.length; i++) {
            PATTERN[i] = period[i % PERIOD];
        }
    }

    @Test
    void relaysLargeStreamsByteExactBothWaysWithSlowReadersAndBoundedMemory() throws Exception {
        List<TcpChannel> proxyChannels = new CopyOnWriteArrayList<>();
        AtomicLong maxPending = new AtomicLong();
        try (EventLoopGroup group = new EventLoopGroup(2);
                ServerSocket backendSocket = new ServerSocket(0, 8, InetAddress.getByName("127.0.0.1"))) {
            BackendSet set = new BackendSet(BalanceStrategy.roundRobin());
            Backend backend = set.add(new java.net.InetSocketAddress("127.0.0.1", backendSocket.getLocalPort()));
            TcpProxy proxy = TcpProxy.builder(set)
                    .backendInitializer(ch -> proxyChannels.add((TcpChannel) ch))
                    .build();
            try (Server server = Server.builder().group(group)
                    .childHandler(ch -> {
                        proxy.initChannel(ch);
                        proxyChannels.add((TcpChannel) ch);
                    })
                    .bind("127.0.0.1", 0)) {
                // Backend: reads slowly and checks; writes its own stream and half-closes.
                CompletableFuture<Long> backendRead = new CompletableFuture<>();
                CompletableFuture<Void> backendWrote = new CompletableFuture<>();
                Thread backendThread = new Thread(() -> {
                    try (Socket s = backendSocket.accept()) {
                        Thread writer = writer(s, 1, backendWrote);
                        backendRead.complete(readAndCheck(s.getInputStream(), 0, maxPending));
                        writer.join();
                    } catch (Throwable e) {
                        backendRead.completeExceptionally(e);
                    }
                }, "backend");
                backendThread.start();

                CompletableFuture<Void> clientWrote = new CompletableFuture<>();
                CompletableFuture<Long> clientRead = new CompletableFuture<>();
                Thread sampler = new Thread(() -> sample(proxyChannels, maxPending, clientRead), "sampler");
                try (Socket client = new Socket("127.0.0.1", server.port())) {
                    client.setSoTimeout(60_000);
                    sampler.start();
                    Thread writer = writer(client, 0, clientWrote);
                    try {
                        clientRead.complete(readAndCheck(client.getInputStream(), 1, maxPending));
                    } catch (Throwable e) {
                        clientRead.completeExceptionally(e);
                    }
                    writer.join();
                }
                clientWrote.get(60, TimeUnit.SECONDS);
                backendWrote.get(60, TimeUnit.SECONDS);
                // Each reader saw exactly BYTES and then the end of stream: the half-close went through.
                assertEquals(BYTES, backendRead.get(60, TimeUnit.SECONDS));
                assertEquals(BYTES, clientRead.get(60, TimeUnit.SECONDS));
                sampler.join();
                backendThread.join();
                TcpProxyTest.waitFor(() -> backend.activeConnections() == 0);
                assertEquals(BYTES, backend.bytesToBackend());
                assertEquals(BYTES, backend.bytesFromBackend());
                assertEquals(2, proxyChannels.size());
                assertTrue(maxPending.get() > HIGH_WATER_MARK,
                        "the slow readers should have made the proxy queue up to its high water mark, saw "
                                + maxPending.get());
                assertTrue(maxPending.get() <= PENDING_BOUND, "the proxy queued " + maxPending.get()
                        + " bytes towards one side; back-pressure should bound it by " + PENDING_BOUND);
            }
        }
    }

    /** Samples each proxy channel's queued outbound bytes on its own loop until {@code done}. */
    private static void sample(List<TcpChannel> channels, AtomicLong max, CompletableFuture<?> done) {
        while (!done.isDone()) {
            for (TcpChannel ch : channels) {
                if (ch.isOpen()) {
                    try {
                        ch.loop().execute(() -> max.accumulateAndGet(ch.pendingOutboundBytes(), Math::max));
                    } catch (RuntimeException ignored) {
                        // loop shutting down
                    }
                }
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Writes BYTES of stream {@code stream} to {@code s} as fast as it takes them, then shuts the output down. */
    private static Thread writer(Socket s, int stream, CompletableFuture<Void> done) {
        Thread t = new Thread(() -> {
            try {
                OutputStream out = s.getOutputStream();
                long written = 0;
                while (written < BYTES) {
                    int n = (int) Math.min(CHUNK, BYTES - written);
                    out.write(PATTERN, offset(stream, written), n);
                    written += n;
                }
                out.flush();
                s.shutdownOutput();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "writer-" + stream);
        t.start();
        return t;
    }

    /**
     * Reads to the end of the stream, slowly, checking every byte; returns how many arrived. The first pause lasts
     * until the sampler has seen the proxy queue up to its high water mark (at most {@link #FIRST_PAUSE_MILLIS}):
     * a reader that has stopped makes that certain once the kernel's buffers are full, whatever their size, where a
     * 20 ms pause alone may not fill them.
     */
    private static long readAndCheck(InputStream in, int stream, AtomicLong maxPending)
            throws IOException, InterruptedException {
        byte[] chunk = new byte[CHUNK];
        long received = 0;
        long nextPause = PAUSE_EVERY;
        int n;
        while ((n = in.read(chunk)) > 0) {
            int from = offset(stream, received);
            if (received + n > BYTES || !Arrays.equals(chunk, 0, n, PATTERN, from, from + n)) {
                throw new AssertionError("stream " + stream + " differs within bytes " + received + ".."
                        + (received + n));
            }
            received += n;
            if (received >= nextPause) {
                if (nextPause == PAUSE_EVERY) {
                    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FIRST_PAUSE_MILLIS);
                    while (maxPending.get() <= HIGH_WATER_MARK && System.nanoTime() - deadline < 0) {
                        Thread.sleep(PAUSE_MILLIS);
                    }
                }
                nextPause += PAUSE_EVERY;
                Thread.sleep(PAUSE_MILLIS);
            }
        }
        return received;
    }

    private static int offset(int stream, long position) {
        return (int) ((position + stream * 7_919L) % PERIOD);
    }
}
