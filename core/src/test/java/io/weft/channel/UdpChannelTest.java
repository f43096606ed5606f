package io.weft.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.weft.bootstrap.Udp;
import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.nio.channels.MembershipKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UdpChannelTest {

    private static final InetSocketAddress ANY_LOOPBACK_PORT = new InetSocketAddress("127.0.0.1", 0);
    private static final int MAX_PAYLOAD = 1400;

    private static EventLoopGroup serverGroup;
    private static EventLoopGroup clientGroup;
    private final List<UdpChannel> channels = new ArrayList<>();

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
    void closeChannels() throws Exception {
        for (UdpChannel channel : channels) {
            channel.close().get(5, TimeUnit.SECONDS);
        }
    }

    /** Answers every datagram to its sender with the same buffer. */
    static final class DatagramEcho implements Handler {
        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            Datagram in = (Datagram) msg;
            ctx.write(new Datagram(in.content(), in.sender()));
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
            ctx.flush();
        }
    }

    /** Copies every received datagram's payload (and sender) into a queue; releases the buffers. */
    static final class Receiver implements Handler {
        final BlockingQueue<byte[]> payloads = new LinkedBlockingQueue<>();
        final BlockingQueue<InetSocketAddress> senders = new LinkedBlockingQueue<>();
        final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            Datagram datagram = (Datagram) msg;
            try {
                Buffer content = datagram.content();
                byte[] bytes = new byte[content.readableBytes()];
                content.readBytes(bytes);
                senders.add(datagram.sender());
                payloads.add(bytes);
            } finally {
                datagram.release();
            }
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            errors.add(cause);
        }
    }

    private UdpChannel track(CompletableFuture<UdpChannel> future) throws Exception {
        UdpChannel channel = future.get(10, TimeUnit.SECONDS);
        channels.add(channel);
        return channel;
    }

    private UdpChannel echoServer() throws Exception {
        return track(Udp.builder().group(serverGroup)
                .handler(ch -> ch.pipeline().addLast("echo", new DatagramEcho()))
                .bind(ANY_LOOPBACK_PORT));
    }

    /** Datagram {@code seq}: size 1 + seq % 1400 (so datagrams less than 1400 apart never share a size). */
    private static byte[] payload(int seq) {
        byte[] bytes = new byte[1 + seq % MAX_PAYLOAD];
        new Random(seq * 0x9E3779B97F4A7C15L).nextBytes(bytes);
        return bytes;
    }

    @Test
    void echoesTenThousandDatagramsOfOneToFourteenHundredBytesEachChecked() throws Exception {
        UdpChannel server = echoServer();
        Receiver receiver = new Receiver();
        UdpChannel client = track(Udp.builder().group(clientGroup)
                .handler(ch -> ch.pipeline().addLast("receive", receiver))
                .connect(ANY_LOOPBACK_PORT, server.localAddress()));
        assertTrue(client.isConnected());
        int retries = echoAndVerify(client, receiver, 10_000);
        org.slf4j.LoggerFactory.getLogger(UdpChannelTest.class).info(
                "echoed 10000 datagrams with {} retries", retries);
    }

    @Test
    void echoHarnessRecoversLostDatagramsAndStillChecksEveryPayload() throws Exception {
        // The server drops every 50th datagram it receives, as a loaded loopback might: the sender's
        // window and retries must still get every payload back byte-exact.
        UdpChannel server = track(Udp.builder().group(serverGroup)
                .handler(ch -> ch.pipeline().addLast("lossy", new Handler() {
                    private int seen;

                    @Override
                    public void channelRead(HandlerContext ctx, Object msg) {
                        if (++seen % 50 == 0) {
                            ReferenceCounted.release(msg);
                        } else {
                            ctx.fireChannelRead(msg);
                        }
                    }
                }).addLast("echo", new DatagramEcho()))
                .bind(ANY_LOOPBACK_PORT));
        Receiver receiver = new Receiver();
        UdpChannel client = track(Udp.builder().group(clientGroup)
                .handler(ch -> ch.pipeline().addLast("receive", receiver))
                .connect(ANY_LOOPBACK_PORT, server.localAddress()));
        int retries = echoAndVerify(client, receiver, 2_000);
        assertTrue(retries >= 2_000 / 50, "every dropped datagram was resent: " + retries + " retries");
    }

    /**
     * Sends datagrams 0..total-1 with at most 64 in flight, resending any not answered within 250 ms, and checks
     * every answer byte for byte against what was sent.
     *
     * @return how many datagrams had to be resent
     */
    private static int echoAndVerify(UdpChannel client, Receiver receiver, int total) throws Exception {
        int window = 64;
        long retryAfterNanos = TimeUnit.MILLISECONDS.toNanos(250);
        // In flight, keyed by size (unique while in flight): sequence number and when it was last sent.
        Map<Integer, Integer> inFlight = new HashMap<>();
        Map<Integer, Long> sentAt = new HashMap<>();
        int next = 0;
        int done = 0;
        int retries = 0;
        while (done < total) {
            // Sizes repeat every 1,400 sequence numbers: never let the oldest unanswered one fall that far behind.
            while (inFlight.size() < window && next < total
                    && next - inFlight.values().stream().mapToInt(Integer::intValue).min().orElse(next) < MAX_PAYLOAD) {
                byte[] bytes = payload(next);
                inFlight.put(bytes.length, next);
                sentAt.put(next, System.nanoTime());
                client.writeAndFlush(client.allocator().copyOf(bytes));
                next++;
            }
            byte[] got = receiver.payloads.poll(50, TimeUnit.MILLISECONDS);
            if (got != null) {
                Integer seq = inFlight.get(got.length);
                if (seq != null && Arrays.equals(got, payload(seq))) {
                    inFlight.remove(got.length);
                    sentAt.remove(seq);
                    done++;
                } else if (!isEarlierDatagram(got, next, inFlight)) { // else: a late echo of a resent datagram
                    fail("datagram of " + got.length + " bytes matches no datagram sent (corrupt or truncated)");
                }
            }
            long now = System.nanoTime();
            for (Map.Entry<Integer, Integer> entry : inFlight.entrySet()) {
                int seq = entry.getValue();
                if (now - sentAt.get(seq) > retryAfterNanos) {
                    sentAt.put(seq, now);
                    retries++;
                    client.writeAndFlush(client.allocator().copyOf(payload(seq)));
                }
            }
            assertTrue(retries < total, "loopback lost too many datagrams: " + retries + " retries");

        }
        assertEquals(total, done);
        assertTrue(receiver.errors.isEmpty(), () -> "client errors: " + receiver.errors);
        return retries;
    }

    private static boolean isEarlierDatagram(byte[] got, int next, Map<Integer, Integer> inFlight) {
        for (int seq = got.length - 1; seq < next; seq += MAX_PAYLOAD) {
            if (!inFlight.containsValue(seq) && Arrays.equals(got, payload(seq))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void unconnectedChannelsExchangeDatagramsWithSenderAddresses() throws Exception {
        UdpChannel server = echoServer();
        Receiver receiver = new Receiver();
        UdpChannel client = track(Udp.builder().group(clientGroup)
                .handler(ch -> ch.pipeline().addLast("receive", receiver))
                .bind(ANY_LOOPBACK_PORT));
        assertFalse(client.isConnected());
        byte[] bytes = "ping".getBytes();
        byte[] got = null;
        for (int attempt = 0; attempt < 20 && got == null; attempt++) {
            client.writeAndFlush(new Datagram(client.allocator().copyOf(bytes), server.localAddress()));
            got = receiver.payloads.poll(500, TimeUnit.MILLISECONDS);
        }
        assertArrayEquals(bytes, got);
        assertEquals(server.localAddress(), receiver.senders.take());
    }

    @Test
    void oversizedDatagramIsDroppedAndReportedAndTheChannelKeepsServing() throws Exception {
        int limit = 1000;
        Receiver serverSide = new Receiver();
        UdpChannel server = track(Udp.builder().group(serverGroup)
                .option(ChannelOption.MAX_DATAGRAM_SIZE, limit)
                .handler(ch -> ch.pipeline().addLast("receive", serverSide))
                .bind(ANY_LOOPBACK_PORT));
        UdpChannel client = track(Udp.builder().group(clientGroup)
                .connect(ANY_LOOPBACK_PORT, server.localAddress()));

        Throwable error = null;
        for (int attempt = 0; attempt < 20 && error == null; attempt++) {
            client.writeAndFlush(client.allocator().copyOf(new byte[limit + 1]));
            error = serverSide.errors.poll(500, TimeUnit.MILLISECONDS);
        }
        DatagramTooLargeException tooLarge = assertInstanceOf(DatagramTooLargeException.class, error);
        assertEquals(limit, tooLarge.limit());
        assertEquals(client.localAddress(), tooLarge.sender());
        assertTrue(tooLarge.getMessage().contains("exceeds limit 1000"), tooLarge.getMessage());
        assertTrue(serverSide.payloads.isEmpty(), "no truncated payload was passed on");
        assertTrue(server.isActive());

        byte[] fits = payload(limit - 1);
        assertEquals(limit, fits.length);
        byte[] got = null;
        for (int attempt = 0; attempt < 20 && got == null; attempt++) {
            client.writeAndFlush(client.allocator().copyOf(fits));
            got = serverSide.payloads.poll(500, TimeUnit.MILLISECONDS);
        }
        assertArrayEquals(fits, got);
    }

    @Test
    void plainBufferOnUnconnectedChannelFailsItsPromiseAndIsReleased() throws Exception {
        UdpChannel channel = track(Udp.builder().group(clientGroup).bind(ANY_LOOPBACK_PORT));
        Buffer buffer = channel.allocator().copyOf(new byte[] {1, 2, 3});
        CompletableFuture<Void> promise = channel.newPromise();
        channel.writeAndFlush(buffer, promise);
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> promise.get(5, TimeUnit.SECONDS));
        assertInstanceOf(UnsupportedMessageTypeException.class, e.getCause());
        assertEquals(0, buffer.refCnt());
    }

    @Test
    void queuedDatagramsAboveHighWaterMarkMakeChannelUnwritableUntilFlushed() throws Exception {
        UdpChannel server = echoServer();
        UdpChannel client = track(Udp.builder().group(clientGroup)
                .option(ChannelOption.WRITE_BUFFER_HIGH_WATER_MARK, 4096)
                .option(ChannelOption.WRITE_BUFFER_LOW_WATER_MARK, 1024)
                .connect(ANY_LOOPBACK_PORT, server.localAddress()));
        CompletableFuture<boolean[]> states = new CompletableFuture<>();
        client.loop().execute(() -> {
            boolean before = client.isWritable();
            for (int i = 0; i < 5; i++) {
                client.write(client.allocator().copyOf(new byte[1000]));
            }
            boolean whileQueued = client.isWritable();
            long pending = client.pendingOutboundBytes();
            client.flush();
            states.complete(new boolean[] {before, whileQueued, pending == 5000});
        });
        boolean[] seen = states.get(5, TimeUnit.SECONDS);
        assertTrue(seen[0], "writable before");
        assertFalse(seen[1], "unwritable with 5000 bytes queued above a 4096-byte high water mark");
        assertTrue(seen[2], "5000 bytes pending before the flush");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!client.isWritable() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(client.isWritable(), "writable again once the queue drained");
    }

    @Test
    void closedChannelFailsWritesAndReleasesThem() throws Exception {
        UdpChannel channel = Udp.builder().group(clientGroup).bind(ANY_LOOPBACK_PORT).get(10, TimeUnit.SECONDS);
        channel.close().get(5, TimeUnit.SECONDS);
        assertFalse(channel.isActive());
        Buffer buffer = channel.allocator().copyOf(new byte[] {1});
        CompletableFuture<Void> promise = channel.newPromise();
        channel.writeAndFlush(new Datagram(buffer, new InetSocketAddress("127.0.0.1", 9)), promise);
        assertThrows(promise);
        assertEquals(0, buffer.refCnt());
    }

    private static void assertThrows(CompletableFuture<Void> promise) {
        org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> promise.get(5, TimeUnit.SECONDS));
    }

    @Test
    void joinsAndLeavesMulticastGroupOnLoopbackWhereSupported() throws Exception {
        NetworkInterface loopback = NetworkInterface.getByInetAddress(InetAddress.getByName("127.0.0.1"));
        assumeTrue(loopback != null, "no loopback interface");
        UdpChannel channel = track(Udp.builder().group(clientGroup).family(StandardProtocolFamily.INET)
                .bind(ANY_LOOPBACK_PORT));
        InetAddress group = InetAddress.getByName("239.255.77.77");
        MembershipKey key;
        try {
            key = channel.joinGroup(group, loopback);
        } catch (IOException | UnsupportedOperationException e) {
            org.junit.jupiter.api.Assumptions.abort("multicast not available on loopback here: " + e);
            return;
        }
        assertNotNull(key);
        assertTrue(key.isValid());
        assertEquals(List.of(key), channel.memberships());
        assertTrue(channel.leaveGroup(group, loopback));
        assertFalse(key.isValid());
        assertTrue(channel.memberships().isEmpty());
        assertFalse(channel.leaveGroup(group, loopback));
    }

    @Test
    void readsAtMostMaxReadsPerEventAndOnlyOnRequestWithoutAutoRead() throws Exception {
        BlockingQueue<Integer> batches = new LinkedBlockingQueue<>();
        UdpChannel server = track(Udp.builder().group(serverGroup)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.MAX_READS_PER_EVENT, 4)
                .handler(ch -> ch.pipeline().addLast("batches", new Handler() {
                    private int reads;

                    @Override
                    public void channelRead(HandlerContext ctx, Object msg) {
                        reads++;
                        ReferenceCounted.release(msg);
                    }

                    @Override
                    public void channelReadComplete(HandlerContext ctx) {
                        batches.add(reads);
                        reads = 0;
                    }
                }))
                .bind(ANY_LOOPBACK_PORT));
        UdpChannel client = track(Udp.builder().group(clientGroup).connect(ANY_LOOPBACK_PORT, server.localAddress()));
        for (int i = 0; i < 10; i++) {
            client.writeAndFlush(client.allocator().copyOf(new byte[] {(byte) i}));
        }
        Thread.sleep(300);
        assertTrue(batches.isEmpty(), "read without a read request while AUTO_READ is off");
        server.read();
        assertEquals(4, batches.poll(5, TimeUnit.SECONDS));
        server.read();
        assertEquals(4, batches.poll(5, TimeUnit.SECONDS));
        server.read();
        assertEquals(2, batches.poll(5, TimeUnit.SECONDS));
        Thread.sleep(200);
        assertTrue(batches.isEmpty(), "no reads beyond those requested");
    }

    @Test
    void datagramTheNetworkRejectsFailsItsPromiseAndLaterOnesStillGo() throws Exception {
        UdpChannel server = echoServer();
        Receiver receiver = new Receiver();
        UdpChannel client = track(Udp.builder().group(clientGroup)
                .handler(ch -> ch.pipeline().addLast("receive", receiver))
                .bind(ANY_LOOPBACK_PORT));
        Buffer huge = client.allocator().allocate(70_000).writeZero(70_000); // above the 65,507-byte UDP maximum
        CompletableFuture<Void> failed = client.newPromise();
        client.write(new Datagram(huge, server.localAddress()), failed);
        byte[] small = "after".getBytes();
        byte[] got = null;
        for (int attempt = 0; attempt < 20 && got == null; attempt++) {
            client.writeAndFlush(new Datagram(client.allocator().copyOf(small), server.localAddress()));
            got = receiver.payloads.poll(500, TimeUnit.MILLISECONDS);
        }
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> failed.get(5, TimeUnit.SECONDS));
        assertInstanceOf(IOException.class, e.getCause());
        assertEquals(0, huge.refCnt());
        assertArrayEquals(small, got);
        assertTrue(client.isActive());
    }

    @Test
    void emptyDatagramIsEchoedAsEmptyAndRefusedOnAConnectedChannel() throws Exception {
        UdpChannel server = echoServer();
        Receiver receiver = new Receiver();
        UdpChannel client = track(Udp.builder().group(clientGroup)
                .handler(ch -> ch.pipeline().addLast("receive", receiver))
                .bind(ANY_LOOPBACK_PORT));
        byte[] got = null;
        for (int attempt = 0; attempt < 20 && got == null; attempt++) {
            client.writeAndFlush(new Datagram(client.allocator().allocate(16), server.localAddress()));
            got = receiver.payloads.poll(500, TimeUnit.MILLISECONDS);
        }
        assertNotNull(got, "no answer to an empty datagram");
        assertEquals(0, got.length);
        assertEquals(server.localAddress(), receiver.senders.take());

        UdpChannel connected = track(Udp.builder().group(clientGroup)
                .connect(ANY_LOOPBACK_PORT, server.localAddress()));
        Buffer empty = connected.allocator().allocate(16);
        CompletableFuture<Void> promise = connected.newPromise();
        connected.writeAndFlush(empty, promise);
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> promise.get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("empty datagram"), e.getCause().getMessage());
        assertEquals(0, empty.refCnt());
        assertTrue(connected.isActive());
    }
}
