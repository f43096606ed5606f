package io.weft.codec.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.buffer.Buffer;
import io.weft.channel.EmbeddedChannel;
import io.weft.codec.ChecksumMismatchException;
import io.weft.codec.CorruptFrameException;
import io.weft.codec.DecompressionLimitException;
import io.weft.pipeline.Handler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Gzip and zlib interoperability with the JDK streams, command-line gzip and Python, plus the error paths. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CompressionInteropTest {

    static byte[] sample(int size, long seed) {
        Random rnd = new Random(seed);
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (rnd.nextInt(10) < 7 ? "weft codec ".charAt(i % 11) : rnd.nextInt(256));
        }
        return data;
    }

    /** Runs each message through {@code encoder} in an embedded channel; returns the bytes it wrote. */
    private static byte[] encode(Handler encoder, byte[]... messages) {
        EmbeddedChannel ch = new EmbeddedChannel(encoder);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] m : messages) {
            ch.writeOutbound(ch.allocator().copyOf(m));
            assertEquals(1, ch.outboundMessages().size(), "one output buffer per message");
            out.writeBytes(ch.readOutboundBytes());
        }
        assertFalse(ch.finish());
        return out.toByteArray();
    }

    /**
     * Delivers {@code data} to {@code decoder} in an embedded channel, in random splits (including single bytes),
     * and returns what came out; fails on any decoding error or leak.
     */
    private static byte[] decode(Handler decoder, byte[] data, long seed) {
        Random rnd = new Random(seed);
        List<byte[]> chunks = new ArrayList<>();
        for (int off = 0; off < data.length; ) {
            int len = Math.min(data.length - off, rnd.nextInt(4) == 0 ? 1 : 1 + rnd.nextInt(8192));
            chunks.add(java.util.Arrays.copyOfRange(data, off, off + len));
            off += len;
        }
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        ch.writeInboundBytes(chunks.toArray(new byte[0][]));
        byte[] decoded = ch.readInboundBytes();
        assertFalse(ch.finish());
        return decoded;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest(name = "level {0}")
    @ValueSource(ints = {-1, 0, 1, 6, 9})
    void jdkGzipInputStreamReadsOurMembers(int level) throws Exception {
        byte[] a = sample(300_000, 1);
        byte[] b = sample(10, 2);
        byte[] empty = new byte[0];
        byte[] gz = encode(new GzipEncoder(level), a, empty, b);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(a);
        expected.writeBytes(b);
        // Concatenated members read as one stream, as gzip -d does.
        assertArrayEquals(expected.toByteArray(), readAll(new GZIPInputStream(new ByteArrayInputStream(gz))));
    }

    @Test
    void jdkInflaterInputStreamReadsOurZlibAndRaw() throws Exception {
        byte[] a = sample(200_000, 3);
        byte[] z = encode(new ZlibEncoder(9), a);
        assertEquals(0x78, z[0] & 0xFF, "zlib header");
        assertArrayEquals(a, readAll(new InflaterInputStream(new ByteArrayInputStream(z))));
        byte[] raw = encode(new ZlibEncoder(1, ZlibFormat.RAW), a);
        assertArrayEquals(a, readAll(new InflaterInputStream(new ByteArrayInputStream(raw), new Inflater(true))));
    }

    @Test
    void ourGzipDecoderReadsJdkGzipOutputStream() throws Exception {
        byte[] a = sample(500_000, 4);
        byte[] b = sample(1000, 5);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        for (byte[] m : new byte[][] {a, b}) {
            try (GZIPOutputStream out = new GZIPOutputStream(gz) {
                { def.setLevel(9); }
                @Override
                public void close() throws IOException {
                    finish(); // keep gz open for the next member
                }
            }) {
                out.write(m);
            }
        }
        byte[] decoded = decode(new GzipDecoder(), gz.toByteArray(), 6);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(a);
        expected.writeBytes(b);
        assertArrayEquals(expected.toByteArray(), decoded);
    }

    @Test
    void ourZlibDecoderReadsJdkDeflaterOutputStream() throws Exception {
        byte[] a = sample(400_000, 7);
        for (boolean raw : new boolean[] {false, true}) {
            ByteArrayOutputStream z = new ByteArrayOutputStream();
            Deflater deflater = new Deflater(6, raw);
            try (DeflaterOutputStream out = new DeflaterOutputStream(z, deflater)) {
                out.write(a);
            }
            deflater.end();
            ZlibFormat format = raw ? ZlibFormat.RAW : ZlibFormat.ZLIB;
            assertArrayEquals(a, decode(new ZlibDecoder(format, 16 << 20, 8192), z.toByteArray(), 8), format.toString());
        }
    }

    @Test
    void decodesCommandLineGzipFileAndGzipReadsOurs(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/gzip")) || onPath("gzip"),
                "command-line gzip not installed");
        byte[] a = sample(250_000, 9);
        Path file = dir.resolve("sample.txt");
        Files.write(file, a);
        // gzip stores the file name and mtime in the header (FNAME): our decoder must skip them.
        assertEquals(0, new ProcessBuilder("gzip", "-9", "-k", file.toString()).inheritIO().start().waitFor());
        byte[] gz = Files.readAllBytes(dir.resolve("sample.txt.gz"));
        assertTrue((gz[3] & 0x08) != 0, "FNAME flag set by gzip");
        assertArrayEquals(a, decode(new GzipDecoder(), gz, 10));
        Path ours = dir.resolve("ours.gz");
        Files.write(ours, encode(new GzipEncoder(), a, a));
        Process p = new ProcessBuilder("gzip", "-dc", ours.toString()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(a);
        expected.writeBytes(a);
        assertArrayEquals(expected.toByteArray(), out);
    }

    @Test
    void pythonReadsOurGzipAndZlibAndWeReadPythons(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(onPath("python3"), "python3 not installed");
        byte[] a = sample(123_456, 11);
        Path raw = dir.resolve("a.bin");
        Files.write(raw, a);
        Path gz = dir.resolve("ours.gz");
        Path z = dir.resolve("ours.z");
        Files.write(gz, encode(new GzipEncoder(9), a));
        Files.write(z, encode(new ZlibEncoder(9), a));
        Path pyGz = dir.resolve("py.gz");
        Path pyZ = dir.resolve("py.z");
        String script = String.join("\n",
                "import gzip, zlib, sys",
                "a = open(sys.argv[1], 'rb').read()",
                "assert gzip.decompress(open(sys.argv[2], 'rb').read()) == a, 'gzip'",
                "assert zlib.decompress(open(sys.argv[3], 'rb').read()) == a, 'zlib'",
                "open(sys.argv[4], 'wb').write(gzip.compress(a, 9, mtime=1234567890))",
                "open(sys.argv[5], 'wb').write(zlib.compress(a, 1))",
                "print('ok')");
        Process p = new ProcessBuilder("python3", "-c", script, raw.toString(), gz.toString(), z.toString(),
                pyGz.toString(), pyZ.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertEquals("ok", out.strip());
        assertArrayEquals(a, decode(new GzipDecoder(), Files.readAllBytes(pyGz), 12));
        assertArrayEquals(a, decode(new ZlibDecoder(), Files.readAllBytes(pyZ), 13));
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void gzipHeaderWithExtraNameCommentAndHeaderCrcIsParsed() throws Exception {
        byte[] a = sample(5000, 14);
        ByteArrayOutputStream deflated = new ByteArrayOutputStream();
        Deflater d = new Deflater(6, true);
        try (DeflaterOutputStream out = new DeflaterOutputStream(deflated, d)) {
            out.write(a);
        }
        d.end();
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        header.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3});
        header.writeBytes(new byte[] {5, 0, 'A', 'B', 2, 0, 'x'}); // FEXTRA: XLEN=5
        header.writeBytes("name.txt\0".getBytes(StandardCharsets.ISO_8859_1));
        header.writeBytes("a comment\0".getBytes(StandardCharsets.ISO_8859_1));
        java.util.zip.CRC32 hcrc = new java.util.zip.CRC32();
        hcrc.update(header.toByteArray());
        int h16 = (int) hcrc.getValue() & 0xFFFF;
        gz.writeBytes(header.toByteArray());
        gz.write(h16 & 0xFF);
        gz.write(h16 >>> 8);
        gz.writeBytes(deflated.toByteArray());
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(a);
        java.nio.ByteBuffer t = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        t.putInt((int) crc.getValue()).putInt(a.length);
        gz.writeBytes(t.array());
        assertArrayEquals(a, readAll(new GZIPInputStream(new ByteArrayInputStream(gz.toByteArray()))), "valid");
        EmbeddedChannel ch = new EmbeddedChannel(new GzipDecoder());
        ch.writeInboundBytes(gz.toByteArray(), 1);
        assertArrayEquals(a, ch.readInboundBytes());
        assertFalse(ch.finish());
    }

    @Test
    void corruptTrailerCrcIsChecksumMismatch() throws Exception {
        byte[] gz = BadGzip.gzip(sample(1000, 15));
        gz[gz.length - 8] ^= 1;
        EmbeddedChannel ch = new EmbeddedChannel(new GzipDecoder());
        Throwable e = assertThrows(ChecksumMismatchException.class, () -> ch.writeInboundBytes(gz));
        ch.releaseInbound();
        assertTrue(e.getMessage().contains("expected 0x") && e.getMessage().contains("actual 0x"), e.getMessage());
        assertFalse(ch.isOpen(), "closed on bad input");
        assertFalse(ch.finish());
    }

    @Test
    void corruptDeflateDataIsCorruptFrame() throws Exception {
        byte[] z = BadGzip.zlib(sample(1000, 16));
        z[0] = 0x12; // bad zlib header
        EmbeddedChannel ch = new EmbeddedChannel(new ZlibDecoder());
        assertThrows(CorruptFrameException.class, () -> ch.writeInboundBytes(z));
        assertFalse(ch.isOpen());
        assertFalse(ch.finish());
    }

    @Test
    void zlibLimitIsPerMessage() throws Exception {
        byte[] a = new byte[100_000];
        byte[] z = BadGzip.zlib(a);
        ByteArrayOutputStream three = new ByteArrayOutputStream();
        for (int i = 0; i < 3; i++) {
            three.writeBytes(z);
        }
        EmbeddedChannel atLimit = new EmbeddedChannel(new ZlibDecoder(100_000));
        atLimit.writeInboundBytes(three.toByteArray());
        assertEquals(300_000, atLimit.readInboundBytes().length, "three streams, each exactly at the limit");
        assertFalse(atLimit.finish());
        EmbeddedChannel overLimit = new EmbeddedChannel(new ZlibDecoder(99_999));
        Throwable e = assertThrows(DecompressionLimitException.class, () -> overLimit.writeInboundBytes(z));
        overLimit.releaseInbound();
        assertTrue(e.getMessage().contains("99999"), e.getMessage());
        assertFalse(overLimit.isOpen());
        assertFalse(overLimit.finish());
    }

    @Test
    void truncatedGzipMemberAtCloseIsCorrupt() throws Exception {
        byte[] gz = BadGzip.gzip(sample(50_000, 17));
        EmbeddedChannel ch = new EmbeddedChannel(new GzipDecoder());
        ch.writeInboundBytes(java.util.Arrays.copyOf(gz, gz.length / 2));
        ch.releaseInbound();
        // finish() ends the input as a peer's close would.
        CorruptFrameException e = assertThrows(CorruptFrameException.class, ch::finish);
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void closingLocallyInsideMemberIsNotAnError() throws Exception {
        byte[] gz = BadGzip.gzip(sample(50_000, 18));
        EmbeddedChannel ch = new EmbeddedChannel(new GzipDecoder());
        ch.writeInboundBytes(java.util.Arrays.copyOf(gz, gz.length / 2));
        ch.releaseInbound();
        assertTrue(ch.close().isDone()); // a handler's own close, through the pipeline
        assertFalse(ch.finish(), "no error, nothing left");
    }

    @Test
    void outputComesInBoundedChunksAndSmallMessagesPinLittleMemory() throws Exception {
        byte[] big = sample(100_000, 19);
        EmbeddedChannel chunked = new EmbeddedChannel(new GzipDecoder(1 << 20, 8192));
        chunked.writeInboundBytes(BadGzip.gzip(big));
        assertTrue(chunked.inboundMessages().size() >= 13, "chunks: " + chunked.inboundMessages().size());
        for (Object c : chunked.inboundMessages()) {
            assertTrue(((Buffer) c).readableBytes() <= 8192);
        }
        assertArrayEquals(big, chunked.readInboundBytes());
        assertFalse(chunked.finish());
        EmbeddedChannel tiny = new EmbeddedChannel(new GzipDecoder());
        tiny.writeInboundBytes(BadGzip.gzip("tiny".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(1, tiny.inboundMessages().size());
        assertTrue(((Buffer) tiny.inboundMessages().peek()).capacity() < 4096, "a 4-byte message pins a small buffer");
        assertEquals("tiny", new String(tiny.readInboundBytes(), StandardCharsets.US_ASCII));
        assertFalse(tiny.finish());
    }

    /** Reference encodings from the JDK. */
    static final class BadGzip {
        static byte[] gzip(byte[] data) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                gz.write(data);
            }
            return out.toByteArray();
        }

        static byte[] zlib(byte[] data) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (DeflaterOutputStream z = new DeflaterOutputStream(out)) {
                z.write(data);
            }
            return out.toByteArray();
        }
    }
}
