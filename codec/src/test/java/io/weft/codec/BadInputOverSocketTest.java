package io.weft.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
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
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each kind of bad input, sent over a real loopback socket to a server running the composed decoder stack on a
 * single loop, must close that connection with the typed exception, release every buffer (strict leak
 * detection, checked after the class) and leave the loop serving a second, well-behaved connection.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BadInputOverSocketTest {

    static final int MAX_FRAME = 1 << 20;
    private static EventLoopGroup serverGroup;
    private static EventLoopGroup clientGroup;
    private static Server server;
    /** The failure of the most recent server-side connection that failed. */
    private static volatile CompletableFuture<Throwable> failure = new CompletableFuture<>();
    private static final AtomicLong decompressedBytes = new AtomicLong();

    @BeforeAll
    static void start() {
        serverGroup = new EventLoopGroup(1); // every connection on the same loop
        clientGroup = new EventLoopGroup(1);
        server = Server.builder().group(serverGroup).childHandler(ch -> ch.pipeline()
                .addLast("frame", new LengthFieldFrameDecoder(MAX_FRAME, 4))
                .addLast("prepend", new LengthFieldPrepender(4))
                .addLast("crc", new ChecksumDecoder(ChecksumType.CRC32C))
                .addLast("crcOut", new ChecksumEncoder(ChecksumType.CRC32C))
                .addLast("gunzip", new GzipDecoder())
                .addLast("gzip", new GzipEncoder())
                .addLast("app", new Handler() {
                    @Override
                    public void channelRead(HandlerContext ctx, Object msg) {
                        decompressedBytes.addAndGet(((Buffer) msg).readableBytes());
                        ctx.writeAndFlush(msg); // echo, re-encoded
                    }

                    @Override
                    public void exceptionCaught(HandlerContext ctx, Throwable cause) {
                        failure.complete(cause);
                        ctx.fireExceptionCaught(cause); // the tail logs it once
                    }
                })).bind("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.close();
        clientGroup.close();
        serverGroup.close();
    }

    /** Sends raw bytes, then expects the server to fail that connection with {@code type} and close it. */
    private static Throwable sendAndExpectFailure(byte[] wire, boolean closeAfterSending, Class<?> type)
            throws Exception {
        failure = new CompletableFuture<>();
        TcpChannel raw = Client.builder().group(clientGroup).handler(ch -> ch.pipeline().addLast("drop",
                new Handler() {
                    @Override
                    public void channelRead(HandlerContext ctx, Object msg) {
                        ((Buffer) msg).release();
                    }

                    @Override
                    public void exceptionCaught(HandlerContext ctx, Throwable cause) {
                        ctx.close(); // a reset while the bomb is still being sent is expected
                    }
                })).connect(server.localAddress()).get(10, TimeUnit.SECONDS);
        int chunk = 64 * 1024;
        for (int off = 0; off < wire.length; off += chunk) {
            raw.write(raw.allocator().copyOf(java.util.Arrays.copyOfRange(wire, off, Math.min(wire.length, off + chunk))));
        }
        raw.flush();
        if (closeAfterSending) {
            raw.close().get(10, TimeUnit.SECONDS);
        }
        Throwable cause = failure.get(60, TimeUnit.SECONDS);
        assertInstanceOf(type, cause, () -> "got " + cause);
        // The server closed the connection: the client sees it close too.
        raw.closeFuture().get(30, TimeUnit.SECONDS);
        secondConnectionStillWorks();
        return cause;
    }

    /** A well-behaved client round-trips a message through the same server loop. */
    private static void secondConnectionStillWorks() throws Exception {
        byte[] payload = "still serving on the same loop".repeat(100).getBytes(StandardCharsets.UTF_8);
        CompletableFuture<byte[]> echoed = new CompletableFuture<>();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        TcpChannel good = Client.builder().group(clientGroup).handler(ch -> ch.pipeline()
                .addLast("frame", new LengthFieldFrameDecoder(MAX_FRAME, 4))
                .addLast("prepend", new LengthFieldPrepender(4))
                .addLast("crc", new ChecksumDecoder(ChecksumType.CRC32C))
                .addLast("crcOut", new ChecksumEncoder(ChecksumType.CRC32C))
                .addLast("gunzip", new GzipDecoder())
                .addLast("gzip", new GzipEncoder())
                .addLast("app", new Handler() {
                    @Override
                    public void channelRead(HandlerContext ctx, Object msg) {
                        Buffer b = (Buffer) msg;
                        byte[] bytes = new byte[b.readableBytes()];
                        b.getBytes(b.readerIndex(), bytes, 0, bytes.length);
                        got.writeBytes(bytes);
                        b.release();
                        if (got.size() >= payload.length) {
                            echoed.complete(got.toByteArray());
                        }
                    }

                    @Override
                    public void exceptionCaught(HandlerContext ctx, Throwable cause) {
                        echoed.completeExceptionally(cause);
                    }
                })).connect(server.localAddress()).get(10, TimeUnit.SECONDS);
        good.writeAndFlush(good.allocator().copyOf(payload));
        assertArrayEquals(payload, echoed.get(30, TimeUnit.SECONDS));
        good.close().get(10, TimeUnit.SECONDS);
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    /** length(4, BE) + payload + CRC32C(payload) (4, BE): one frame of the composed stack. */
    static byte[] frame(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
        b.putInt(payload.length + 4).put(payload).putInt((int) crc.getValue());
        return b.array();
    }

    @Test
    void oversizedLengthPrefixIsRejectedBeforeTheBodyArrives() throws Exception {
        // Claims a 2 GiB frame and sends only 6 bytes of it: a decoder waiting for the body would hang here.
        byte[] wire = {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3, 4, 5, 6};
        Throwable cause = sendAndExpectFailure(wire, false, TooLongFrameException.class);
        assertTrue(cause.getMessage().contains("2147483647") && cause.getMessage().contains(String.valueOf(MAX_FRAME)),
                cause.getMessage());
    }

    @Test
    void truncatedFrameAtCloseIsCorrupt() throws Exception {
        byte[] full = frame(gzip("a frame cut short by the peer closing".getBytes(StandardCharsets.UTF_8)));
        byte[] wire = java.util.Arrays.copyOf(full, full.length - 7);
        Throwable cause = sendAndExpectFailure(wire, true, CorruptFrameException.class);
        assertTrue(cause.getMessage().contains("incomplete frame"), cause.getMessage());
    }

    @Test
    void flippedBitIsChecksumMismatch() throws Exception {
        byte[] wire = frame(gzip("one bit of this will flip in transit".getBytes(StandardCharsets.UTF_8)));
        wire[12] ^= 0x10;
        Throwable cause = sendAndExpectFailure(wire, false, ChecksumMismatchException.class);
        assertTrue(cause.getMessage().contains("expected 0x") && cause.getMessage().contains("actual 0x"),
                cause.getMessage());
    }

    @Test
    void garbageThatIsNotGzipIsCorrupt() throws Exception {
        byte[] wire = frame("GET / HTTP/1.1\r\nHost: nope\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        Throwable cause = sendAndExpectFailure(wire, false, CorruptFrameException.class);
        assertTrue(cause.getMessage().contains("not gzip"), cause.getMessage());
    }

    @Test
    void gzipBombIsRefusedWithMemoryFlat() throws Exception {
        byte[] bomb = gzipBomb();
        assertEquals(1L << 30, countGunzipped(bomb), "the bomb really expands to 1 GiB");
        // Framed as 16 KiB frames: the gzip member spans many frames, the decoder streams across them.
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (int off = 0; off < bomb.length; off += 16 * 1024) {
            wire.writeBytes(frame(java.util.Arrays.copyOfRange(bomb, off, Math.min(bomb.length, off + 16 * 1024))));
        }
        System.gc();
        long heapBefore = usedHeap();
        long directBefore = usedDirect();
        decompressedBytes.set(0);
        Throwable cause = sendAndExpectFailure(wire.toByteArray(), false, DecompressionLimitException.class);
        assertTrue(cause.getMessage().contains(String.valueOf(16 << 20)), cause.getMessage());
        long heapGrowth = usedHeap() - heapBefore;
        long directGrowth = usedDirect() - directBefore;
        // At most the limit reached the application (it echoed and released each chunk); nothing near 1 GiB was held.
        assertTrue(decompressedBytes.get() <= (16 << 20) + 8192, "decompressed " + decompressedBytes.get());
        assertTrue(heapGrowth < (128L << 20), "heap grew by " + heapGrowth);
        assertTrue(directGrowth < (128L << 20), "direct memory grew by " + directGrowth);
        org.slf4j.LoggerFactory.getLogger(BadInputOverSocketTest.class).debug(
                "gzip bomb: {} bytes on the wire, {} decompressed before refusal, heap +{}, direct +{}",
                wire.size(), decompressedBytes.get(), heapGrowth, directGrowth);
    }

    private static long usedHeap() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    /** Direct memory in use (the "direct" BufferPoolMXBean), read reflectively: the module does not need java.management. */
    private static long usedDirect() throws Exception {
        Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
        Class<?> poolType = Class.forName("java.lang.management.BufferPoolMXBean");
        for (Object pool : (java.util.List<?>) factory.getMethod("getPlatformMXBeans", Class.class)
                .invoke(null, poolType)) {
            if ("direct".equals(poolType.getMethod("getName").invoke(pool))) {
                return (Long) poolType.getMethod("getMemoryUsed").invoke(pool);
            }
        }
        throw new IllegalStateException("no direct buffer pool bean");
    }

    /**
     * A valid gzip member of 1 GiB of zeros, built in well under a second: after a sync flush the deflater's
     * output for another 1 MiB of zeros repeats exactly, so that block is repeated instead of recompressed.
     */
    static byte[] gzipBomb() throws IOException {
        byte[] zeros = new byte[1 << 20];
        Deflater d = new Deflater(9, true);
        byte[] buf = new byte[64 * 1024];
        byte[][] blocks = new byte[3][];
        for (int i = 0; i < 3; i++) {
            d.setInput(zeros);
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            int n;
            do {
                n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
                block.write(buf, 0, n);
            } while (n == buf.length || !d.needsInput());
            blocks[i] = block.toByteArray();
        }
        if (!java.util.Arrays.equals(blocks[1], blocks[2])) {
            throw new IllegalStateException("deflate output of repeated zeros does not repeat");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 2, (byte) 255});
        out.write(blocks[0]);
        for (int i = 1; i < 1024; i++) {
            out.write(blocks[1]);
        }
        d.finish();
        int n;
        while ((n = d.deflate(buf)) > 0) {
            out.write(buf, 0, n);
        }
        d.end();
        CRC32 crc = new CRC32();
        for (int i = 0; i < 1024; i++) {
            crc.update(zeros);
        }
        ByteBuffer trailer = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        trailer.putInt((int) crc.getValue()).putInt(1 << 30);
        out.write(trailer.array());
        return out.toByteArray();
    }

    private static long countGunzipped(byte[] gz) throws IOException {
        long total = 0;
        byte[] buf = new byte[256 * 1024];
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz), 64 * 1024)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
            }
        }
        return total;
    }
}
