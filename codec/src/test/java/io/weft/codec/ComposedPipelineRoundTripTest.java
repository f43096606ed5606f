package io.weft.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.channel.EmbeddedChannel;
import io.weft.channel.TcpChannel;
import io.weft.codec.checksum.ChecksumDecoder;
import io.weft.codec.checksum.ChecksumEncoder;
import io.weft.codec.checksum.ChecksumType;
import io.weft.codec.compress.GzipDecoder;
import io.weft.codec.compress.GzipEncoder;
import io.weft.codec.frame.LengthFieldFrameDecoder;
import io.weft.codec.frame.LengthFieldPrepender;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Property-style round trip of the composed stack {@code LengthFieldPrepender ← ChecksumEncoder(CRC32C) ←
 * GzipEncoder} / {@code LengthFieldFrameDecoder → ChecksumDecoder(CRC32C) → GzipDecoder}: 1,000 random byte
 * sequences from 0 B to 1 MiB (fixed seed), delivered to the decoders in random splits, one byte at a time
 * included, must come out byte-exact and with their boundaries intact: in memory through an
 * {@link EmbeddedChannel}, and once over a real socket.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ComposedPipelineRoundTripTest {

    static final int MAX_FRAME = 2 << 20;
    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new EventLoopGroup(1);
    }

    @AfterAll
    static void stop() {
        group.close();
    }

    /** 1,000 sequences, sizes skewed small with some large, half random, half compressible. */
    static List<byte[]> messages(long seed, int count) {
        Random rnd = new Random(seed);
        List<byte[]> messages = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int size;
            double p = rnd.nextDouble();
            if (i == 0) {
                size = 0;
            } else if (i == 1) {
                size = 1 << 20;
            } else if (p < 0.02) {
                size = rnd.nextInt((1 << 20) + 1);
            } else if (p < 0.12) {
                size = rnd.nextInt(64 * 1024);
            } else {
                size = rnd.nextInt(2048);
            }
            byte[] data = new byte[size];
            if (rnd.nextBoolean()) {
                rnd.nextBytes(data);
            } else {
                // Compressible: runs of a small alphabet, so the inflater's output outgrows its input.
                int j = 0;
                while (j < size) {
                    byte b = (byte) ('a' + rnd.nextInt(4));
                    int run = 1 + rnd.nextInt(200);
                    for (int k = 0; k < run && j < size; k++) {
                        data[j++] = b;
                    }
                }
            }
            messages.add(data);
        }
        return messages;
    }

    static Handler[] stack() {
        // Head to tail. Inbound: frame → checksum → gzip. Outbound (tail to head): gzip → checksum → length.
        return new Handler[] {
            new LengthFieldFrameDecoder(MAX_FRAME, 4),
            new LengthFieldPrepender(4),
            new ChecksumDecoder(ChecksumType.CRC32C),
            new ChecksumEncoder(ChecksumType.CRC32C),
            new GzipDecoder(),
            new GzipEncoder(),
        };
    }

    @Test
    void roundTripsThousandRandomSequencesInRandomSplits() {
        List<byte[]> messages = messages(0x5EED_F00DL, 1000);
        EmbeddedChannel ch = new EmbeddedChannel(stack());
        // Encode every message; remember where each one's frame ends on the wire.
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        long[] frameEnds = new long[messages.size()];
        long[] inputEnds = new long[messages.size()];
        long inputTotal = 0;
        for (int i = 0; i < messages.size(); i++) {
            byte[] m = messages.get(i);
            ch.writeOutbound(ch.allocator().copyOf(m));
            wire.writeBytes(ch.readOutboundBytes());
            frameEnds[i] = wire.size();
            inputTotal += m.length;
            inputEnds[i] = inputTotal;
        }
        byte[] bytes = wire.toByteArray();
        ByteArrayOutputStream decoded = new ByteArrayOutputStream();
        Random rnd = new Random(42);
        int position = 0;
        int framesDone = 0;
        int singleByteReads = 0;
        while (position < bytes.length) {
            int mode = rnd.nextInt(10);
            if (mode == 0) {
                // A run of single-byte reads, as a trickling peer would send.
                int run = Math.min(1 + rnd.nextInt(3000), bytes.length - position);
                for (int k = 0; k < run; k++) {
                    ch.writeInboundBytes(new byte[] {bytes[position++]});
                    decoded.writeBytes(ch.readInboundBytes());
                }
                singleByteReads += run;
            } else {
                int max = mode <= 3 ? 100 : mode <= 7 ? 16 * 1024 : 512 * 1024;
                int len = Math.min(1 + rnd.nextInt(max), bytes.length - position);
                ch.writeInboundBytes(java.util.Arrays.copyOfRange(bytes, position, position + len));
                position += len;
            }
            decoded.writeBytes(ch.readInboundBytes());
            while (framesDone < frameEnds.length && frameEnds[framesDone] <= position) {
                framesDone++;
            }
            long expected = framesDone == 0 ? 0 : inputEnds[framesDone - 1];
            assertEquals(expected, decoded.size(),
                    "after " + position + " wire bytes (" + framesDone + " whole frames)");
        }
        assertTrue(singleByteReads > 10_000, "single-byte reads: " + singleByteReads);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        messages.forEach(expected::writeBytes);
        assertArrayEquals(expected.toByteArray(), decoded.toByteArray());
        assertEquals(messages.size(), framesDone);
        assertFalse(ch.finish());
    }

    @Test
    void roundTripsOverRealSocket() throws Exception {
        List<byte[]> messages = messages(7, 300);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        messages.forEach(expected::writeBytes);
        int total = expected.size();
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        Server server = Server.builder().group(group).childHandler(ch -> {
            for (Handler handler : stack()) {
                ch.pipeline().addLast(handler);
            }
            ch.pipeline().addLast("collect", new Handler() {
                @Override
                public void channelRead(HandlerContext ctx, Object msg) {
                    Buffer b = (Buffer) msg;
                    byte[] bytes = new byte[b.readableBytes()];
                    b.readBytes(bytes);
                    got.writeBytes(bytes);
                    b.release();
                    if (got.size() == total) {
                        received.complete(got.toByteArray());
                    }
                }

                @Override
                public void exceptionCaught(HandlerContext ctx, Throwable cause) {
                    received.completeExceptionally(cause);
                }
            });
        }).bind("127.0.0.1", 0);
        try (EventLoopGroup clientGroup = new EventLoopGroup(1)) {
            TcpChannel client = Client.builder().group(clientGroup).handler(ch -> {
                for (Handler handler : stack()) {
                    ch.pipeline().addLast(handler);
                }
            }).connect(server.localAddress()).get(10, TimeUnit.SECONDS);
            for (byte[] m : messages) {
                client.write(client.allocator().copyOf(m));
            }
            client.flush();
            assertArrayEquals(expected.toByteArray(), received.get(120, TimeUnit.SECONDS));
            client.close().get(10, TimeUnit.SECONDS);
        } finally {
            server.close();
        }
    }
}
