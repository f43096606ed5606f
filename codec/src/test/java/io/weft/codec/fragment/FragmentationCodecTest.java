package io.weft.codec.fragment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Udp;
import io.weft.buffer.Buffer;
import io.weft.channel.ChannelOption;
import io.weft.channel.Datagram;
import io.weft.channel.UdpChannel;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** UDP fragmentation and reassembly over loopback, with a test-side shim that loses, repeats and reorders. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FragmentationCodecTest {

    private static EventLoopGroup group;
    private final List<UdpChannel> channels = new ArrayList<>();

    @BeforeAll
    static void startGroup() {
        group = new EventLoopGroup(2);
    }

    @AfterAll
    static void stopGroup() {
        group.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (UdpChannel ch : channels) {
            ch.close().get(10, TimeUnit.SECONDS);
        }
    }

    /** Copies and releases received messages; records exceptions. */
    static final class Collector implements Handler {
        final BlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
        final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            Datagram d = (Datagram) msg;
            messages.add(d.content().readAllBytes());
            d.release();
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            errors.add(cause);
        }
    }

    /** Outbound fragments pass through {@link #rewrite}; a test overrides it. */
    static class Shim implements Handler {
        @Override
        public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) {
            for (Datagram d : rewrite((Datagram) msg)) {
                ctx.write(d, null);
            }
            if (promise != null) {
                promise.complete(null);
            }
        }

        List<Datagram> rewrite(Datagram d) {
            return List.of(d);
        }

        static int index(Datagram d) {
            return d.content().getUnsignedShort(d.content().readerIndex() + 6);
        }

        static int count(Datagram d) {
            return d.content().getUnsignedShort(d.content().readerIndex() + 8);
        }
    }

    private UdpChannel open(FragmentationCodec codec, Handler app, Handler shim) throws Exception {
        UdpChannel ch = Udp.builder().group(group)
                .option(ChannelOption.SO_RCVBUF, 1 << 20)
                .handler(c -> {
                    if (shim != null) {
                        c.pipeline().addLast("shim", shim);
                    }
                    c.pipeline().addLast("fragments", codec);
                    if (app != null) {
                        c.pipeline().addLast("app", app);
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).get(10, TimeUnit.SECONDS);
        channels.add(ch);
        return ch;
    }

    private static void send(UdpChannel from, InetSocketAddress to, byte[] message) {
        Buffer b = from.allocator().allocate(Math.max(1, message.length)).writeBytes(message);
        from.writeAndFlush(new Datagram(b, to));
    }

    private static byte[] poll(Collector c, String what) throws InterruptedException {
        byte[] m = c.messages.poll(20, TimeUnit.SECONDS);
        if (m == null) {
            throw new AssertionError("timed out waiting for " + what);
        }
        return m;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    /**
     * 2,000 messages of 1 B to 64 KiB (the edges around the fragment size included), one at a time so the
     * loopback never drops a datagram for want of socket buffer; each arrives byte-exact.
     */
    @Test
    void reassemblesTwoThousandMessagesOfOneByteTo64KiBByteExact() throws Exception {
        FragmentationCodec rx = FragmentationCodec.builder().build();
        Collector collector = new Collector();
        UdpChannel receiver = open(rx, collector, null);
        FragmentationCodec tx = FragmentationCodec.builder().build();
        UdpChannel sender = open(tx, null, null);
        int payload = 1200 - FragmentationCodec.HEADER_LENGTH;
        int[] edges = {1, 2, payload - 1, payload, payload + 1, 2 * payload, 2 * payload + 1, 65_535, 65_536};
        Random random = new Random(7);
        int n = 2_000;
        long fragments = 0;
        for (int i = 0; i < n; i++) {
            int size = i < edges.length ? edges[i] : 1 + random.nextInt(65_536);
            byte[] m = new byte[size];
            random.nextBytes(m);
            send(sender, receiver.localAddress(), m);
            assertArrayEquals(m, poll(collector, "message " + i + " of " + size + " bytes"));
            fragments += (size + payload - 1) / payload;
        }
        assertEquals(n, rx.messagesReassembled());
        assertEquals(n, tx.messagesSent());
        assertEquals(fragments, tx.datagramsSent());
        assertEquals(0, rx.messagesDropped());
        assertEquals(0, rx.bufferedBytes());
        assertTrue(collector.errors.isEmpty(), collector.errors.toString());
    }

    @Test
    void dropsAMessageWithALostFragmentAfterTheTimeoutAndGoesOn() throws Exception {
        FragmentationCodec rx = FragmentationCodec.builder().reassemblyTimeout(300, TimeUnit.MILLISECONDS).build();
        Collector collector = new Collector();
        UdpChannel receiver = open(rx, collector, null);
        boolean[] dropped = {false};
        Shim lose = new Shim() {
            @Override
            List<Datagram> rewrite(Datagram d) {
                if (!dropped[0] && index(d) == 1) {
                    dropped[0] = true;
                    d.release();
                    return List.of();
                }
                return List.of(d);
            }
        };
        UdpChannel sender = open(FragmentationCodec.builder().build(), null, lose);
        send(sender, receiver.localAddress(), new byte[5000]);
        byte[] second = new byte[5000];
        second[4999] = 9;
        send(sender, receiver.localAddress(), second);
        assertArrayEquals(second, poll(collector, "the second message"));
        await(() -> rx.messagesDropped() == 1, "the first message to time out");
        assertEquals(0, rx.bufferedBytes());
        assertNull(collector.messages.poll());
        assertEquals(1, rx.messagesReassembled());
    }

    @Test
    void dropsDuplicateFragments() throws Exception {
        FragmentationCodec rx = FragmentationCodec.builder().build();
        Collector collector = new Collector();
        UdpChannel receiver = open(rx, collector, null);
        Shim twice = new Shim() {
            @Override
            List<Datagram> rewrite(Datagram d) {
                return List.of(d.retain(), d);
            }
        };
        FragmentationCodec tx = FragmentationCodec.builder().build();
        UdpChannel sender = open(tx, null, twice);
        Random random = new Random(1);
        for (int i = 0; i < 20; i++) {
            byte[] m = new byte[i == 0 ? 10 : 1 + random.nextInt(20_000)]; // single- and multi-fragment
            random.nextBytes(m);
            send(sender, receiver.localAddress(), m);
            assertArrayEquals(m, poll(collector, "message " + i));
        }
        await(() -> rx.duplicateFragments() == tx.datagramsSent(), "every copy counted as a duplicate");
        assertNull(collector.messages.poll(100, TimeUnit.MILLISECONDS), "each message delivered once");
        assertEquals(20, rx.messagesReassembled());
        assertEquals(0, rx.bufferedBytes(), "late copies of completed messages start no new reassembly");
    }

    @Test
    void reassemblesReorderedAndInterleavedFragments() throws Exception {
        FragmentationCodec rx = FragmentationCodec.builder().build();
        Collector collector = new Collector();
        UdpChannel receiver = open(rx, collector, null);
        List<Datagram> held = new ArrayList<>();
        Shim reverseTwo = new Shim() {
            @Override
            List<Datagram> rewrite(Datagram d) {
                held.add(d);
                if (held.size() < 2 * count(d) || count(d) == 1) {
                    return List.of();
                }
                // Two messages held: send them interleaved, each in reverse order.
                List<Datagram> out = new ArrayList<>();
                int half = held.size() / 2;
                for (int i = half - 1; i >= 0; i--) {
                    out.add(held.get(i));
                    out.add(held.get(half + i));
                }
                held.clear();
                return out;
            }
        };
        UdpChannel sender = open(FragmentationCodec.builder().build(), null, reverseTwo);
        Random random = new Random(3);
        for (int round = 0; round < 10; round++) {
            byte[] a = new byte[11 * 1178];
            byte[] b = new byte[11 * 1178];
            random.nextBytes(a);
            random.nextBytes(b);
            send(sender, receiver.localAddress(), a);
            send(sender, receiver.localAddress(), b);
            byte[] first = poll(collector, "first of round " + round);
            byte[] second = poll(collector, "second of round " + round);
            // Reversed and interleaved, both complete at their fragment 0: a first, since a's 0 is sent first.
            assertArrayEquals(a, first);
            assertArrayEquals(b, second);
        }
        assertEquals(0, rx.duplicateFragments());
    }

    // ------------------------------------------------------------------ hand-made datagrams

    static byte[] fragment(int id, int index, int count, long total, long offset, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(FragmentationCodec.HEADER_LENGTH + payload.length);
        b.put((byte) 1).put((byte) 0).putInt(id).putShort((short) index).putShort((short) count)
                .putInt((int) total).putInt((int) offset);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 18);
        crc.update(payload);
        b.putInt((int) crc.getValue()).put(payload);
        return b.array();
    }

    private static void raw(DatagramSocket socket, InetSocketAddress to, byte[] datagram) throws Exception {
        socket.send(new DatagramPacket(datagram, datagram.length, to));
    }

    @Test
    void dropsMalformedDatagramsWithATypedErrorAndKeepsWorking() throws Exception {
        FragmentationCodec rx = FragmentationCodec.builder().maxMessageSize(100_000).build();
        Collector collector = new Collector();
        UdpChannel receiver = open(rx, collector, null);
        InetSocketAddress to = receiver.localAddress();
        byte[] p = new byte[100];
        byte[] badCrc = fragment(1, 0, 1, 100, 0, p);
        badCrc[40] ^= 1;
        byte[] badVersion = fragment(1, 0, 1, 100, 0, p);
        badVersion[0] = 2;
        List<byte[]> bad = List.of(
                new byte[5],
                badVersion,
                badCrc,
                fragment(2, 3, 3, 300, 0, p),            // index out of range
                fragment(3, 0, 2, 200_000, 0, p),        // longer than the maximum
                fragment(4, 1, 2, 150, 100, p),          // past the end of the message
                fragment(5, 0, 1, 150, 0, p));           // single fragment shorter than its message
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            raw(socket, to, fragment(6, 0, 2, 200, 0, p));  // a valid start...
            for (byte[] d : bad) {
                raw(socket, to, d);
            }
            raw(socket, to, fragment(6, 1, 3, 200, 100, p)); // ...then a fragment that disagrees with it
            raw(socket, to, fragment(6, 1, 2, 200, 100, p)); // the right one completes it
            byte[] whole = poll(collector, "message 6");
            assertEquals(200, whole.length);
        }
        for (int i = 0; i < bad.size() + 1; i++) {
            Throwable e = collector.errors.poll(20, TimeUnit.SECONDS);
            assertInstanceOf(MalformedFragmentException.class, e, "error " + i);
        }
        assertEquals(bad.size() + 1, rx.malformedDatagrams());
        UdpChannel sender = open(FragmentationCodec.builder().build(), null, null);
        send(sender, to, new byte[3000]);
        assertEquals(3000, poll(collector, "a message after the bad ones").length);
    }

    /**
     * Two peers flood first fragments of messages that never complete; the reserved memory never passes the
     * configured bounds, the oldest incomplete messages make way, a real message still gets through, and
     * everything is freed at the timeout.
     */
    @Test
    void aFloodOfFirstFragmentsStaysWithinTheBound() throws Exception {
        long bound = 1 << 20;
        long perPeer = 600 << 10;
        FragmentationCodec rx = FragmentationCodec.builder()
                .maxBufferedBytes(bound).maxBufferedBytesPerPeer(perPeer).maxPartialMessagesPerPeer(1000)
                .reassemblyTimeout(500, TimeUnit.MILLISECONDS).build();
        Collector collector = new Collector();
        UdpChannel receiver = open(rx, collector, null);
        InetSocketAddress to = receiver.localAddress();
        byte[] p = new byte[1000];
        try (DatagramSocket a = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                DatagramSocket b = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            for (int i = 0; i < 3000; i++) {
                raw(i % 2 == 0 ? a : b, to, fragment(i, 0, 60, 60_000, 0, p));
                if (i % 200 == 199) {
                    Thread.sleep(1); // let the receiver keep up: the kernel would drop, not the codec
                }
            }
        }
        UdpChannel sender = open(FragmentationCodec.builder().build(), null, null);
        byte[] real = new byte[50_000];
        new Random(5).nextBytes(real);
        // UDP may lose a fragment of the 42 when the machine is loaded (the kernel drops, not the codec): like any
        // UDP application, send again until one copy arrives whole.
        byte[] got = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (got == null && System.nanoTime() < deadline) {
            send(sender, to, real);
            got = collector.messages.poll(1, TimeUnit.SECONDS);
        }
        assertArrayEquals(real, got, "a real message after the flood");
        assertTrue(rx.peakBufferedBytes() <= bound, "peak " + rx.peakBufferedBytes());
        assertTrue(rx.messagesDropped() > 0, "the oldest incomplete messages were dropped");
        await(() -> rx.bufferedBytes() == 0, "the incomplete messages to time out");
    }
}
