package io.weft.codec.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.codec.ChecksumMismatchException;
import io.weft.codec.CorruptFrameException;
import io.weft.codec.DecompressionLimitException;
import io.weft.codec.PipelineHarness;
import io.weft.loop.EventLoopGroup;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Gzip and zlib interoperability with the JDK streams, command-line gzip and Python, plus the error paths. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CompressionInteropTest {

    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new EventLoopGroup(1);
    }

    @AfterAll
    static void stop() {
        group.close();
    }

    static byte[] sample(int size, long seed) {
        Random rnd = new Random(seed);
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (rnd.nextInt(10) < 7 ? "weft codec ".charAt(i % 11) : rnd.nextInt(256));
        }
        return data;
    }

    private static byte[] encode(PipelineHarness h, byte[]... messages) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] m : messages) {
            h.writeOutbound(h.alloc().copyOf(m));
            List<Object> written = h.readOutbound();
            assertEquals(1, written.size(), "one output buffer per message");
            out.writeBytes(PipelineHarness.concat(written));
        }
        return out.toByteArray();
    }

    /** Delivers {@code data} in random splits (including single bytes) and returns what came out. */
    private static byte[] decode(PipelineHarness h, byte[] data, long seed) throws Exception {
        Random rnd = new Random(seed);
        List<byte[]> chunks = new ArrayList<>();
        for (int off = 0; off < data.length; ) {
            int len = Math.min(data.length - off, rnd.nextInt(4) == 0 ? 1 : 1 + rnd.nextInt(8192));
            chunks.add(java.util.Arrays.copyOfRange(data, off, off + len));
            off += len;
        }
        h.writeInbound(chunks.toArray(new byte[0][]));
        return h.readInboundBytes();
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
        try (PipelineHarness h = new PipelineHarness(group, new GzipEncoder(level))) {
            byte[] gz = encode(h, a, empty, b);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            expected.writeBytes(a);
            expected.writeBytes(b);
            // Concatenated members read as one stream, as gzip -d does.
            assertArrayEquals(expected.toByteArray(), readAll(new GZIPInputStream(new ByteArrayInputStream(gz))));
        }
    }

    @Test
    void jdkInflaterInputStreamReadsOurZlibAndRaw() throws Exception {
        byte[] a = sample(200_000, 3);
        try (PipelineHarness h = new PipelineHarness(group, new ZlibEncoder(9))) {
            byte[] z = encode(h, a);
            assertEquals(0x78, z[0] & 0xFF, "zlib header");
            assertArrayEquals(a, readAll(new InflaterInputStream(new ByteArrayInputStream(z))));
        }
        try (PipelineHarness h = new PipelineHarness(group, new ZlibEncoder(1, ZlibFormat.RAW))) {
            byte[] raw = encode(h, a);
            assertArrayEquals(a, readAll(new InflaterInputStream(new ByteArrayInputStream(raw), new Inflater(true))));
        }
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
        try (PipelineHarness h = new PipelineHarness(group, new GzipDecoder())) {
            byte[] decoded = decode(h, gz.toByteArray(), 6);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            expected.writeBytes(a);
            expected.writeBytes(b);
            assertArrayEquals(expected.toByteArray(), decoded);
            assertTrue(h.errors().isEmpty(), () -> "errors");
        }
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
            try (PipelineHarness h = new PipelineHarness(group, new ZlibDecoder(format, 16 << 20, 8192))) {
                assertArrayEquals(a, decode(h, z.toByteArray(), 8), format.toString());
            }
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
        try (PipelineHarness h = new PipelineHarness(group, new GzipDecoder())) {
            assertArrayEquals(a, decode(h, gz, 10));
        }
        try (PipelineHarness h = new PipelineHarness(group, new GzipEncoder())) {
            Path ours = dir.resolve("ours.gz");
            Files.write(ours, encode(h, a, a));
            Process p = new ProcessBuilder("gzip", "-dc", ours.toString()).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            assertEquals(0, p.waitFor());
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            expected.writeBytes(a);
            expected.writeBytes(a);
            assertArrayEquals(expected.toByteArray(), out);
        }
    }

    @Test
    void pythonReadsOurGzipAndZlibAndWeReadPythons(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(onPath("python3"), "python3 not installed");
        byte[] a = sample(123_456, 11);
        Path raw = dir.resolve("a.bin");
        Files.write(raw, a);
        Path gz = dir.resolve("ours.gz");
        Path z = dir.resolve("ours.z");
        try (PipelineHarness h = new PipelineHarness(group, new GzipEncoder(9))) {
            Files.write(gz, encode(h, a));
        }
        try (PipelineHarness h = new PipelineHarness(group, new ZlibEncoder(9))) {
            Files.write(z, encode(h, a));
        }
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
        try (PipelineHarness h = new PipelineHarness(group, new GzipDecoder())) {
            assertArrayEquals(a, decode(h, Files.readAllBytes(pyGz), 12));
        }
        try (PipelineHarness h = new PipelineHarness(group, new ZlibDecoder())) {
            assertArrayEquals(a, decode(h, Files.readAllBytes(pyZ), 13));
        }
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
        try (PipelineHarness h = new PipelineHarness(group, new GzipDecoder())) {
            byte[] bytes = gz.toByteArray();
            h.writeInboundBytewise(bytes);
            assertArrayEquals(a, h.readInboundBytes());
            assertTrue(h.errors().isEmpty());
        }
    }

    @Test
    void corruptTrailerCrcIsChecksumMismatch() throws Exception {
        byte[] gz = BadGzip.gzip(sample(1000, 15));
        gz[gz.length - 8] ^= 1;
        try (PipelineHarness h = new PipelineHarness(group, new GzipDecoder())) {
            h.writeInbound(gz);
            PipelineHarness.concat(h.readInbound());
            Throwable e = h.errors().get(0);
            assertInstanceOf(ChecksumMismatchException.class, e);
            assertTrue(e.getMessage().contains("expected 0x") && e.getMessage().contains("actual 0x"), e.getMessage());
            assertFalse(h.isOpen(), "closed on bad input");
        }
    }

    @Test
    void corruptDeflateDataIsCorruptFrame() throws Exception {
        byte[] z = BadGzip.zlib(sample(1000, 16));
        z[0] = 0x12; // bad zlib header
        try (PipelineHarness h = new PipelineHarness(group, new ZlibDecoder())) {
            h.writeInbound(z);
            assertInstanceOf(CorruptFrameException.class, h.errors().get(0));
            assertFalse(h.isOpen());
        }
    }

    @Test
    void zlibLimitIsPerMessage() throws Exception {
        byte[] a = new byte[100_000];
        byte[] z = BadGzip.zlib(a);
        ByteArrayOutputStream three = new ByteArrayOutputStream();
        for (int i = 0; i < 3; i++) {
            three.writeBytes(z);
        }
        try (PipelineHarness h = new PipelineHarness(group, new ZlibDecoder(100_000))) {
            h.writeInbound(three.toByteArray());
            assertEquals(300_000, h.readInboundBytes().length, "three streams, each exactly at the limit");
            assertTrue(h.errors().isEmpty());
        }
        try (PipelineHarness h = new PipelineHarness(group, new ZlibDecoder(99_999))) {
            h.writeInbound(z);
            PipelineHarness.concat(h.readInbound());
            Throwable e = h.errors().get(0);
            assertInstanceOf(DecompressionLimitException.class, e);
            assertTrue(e.getMessage().contains("99999"), e.getMessage());
            assertFalse(h.isOpen());
        }
    }

    @Test
    void truncatedGzipMemberAtCloseIsCorrupt() throws Exception {
        byte[] gz = BadGzip.gzip(sample(50_000, 17));
        try (PipelineHarness h = new PipelineHarness(group, new GzipDecoder())) {
            h.writeInbound(java.util.Arrays.copyOf(gz, gz.length / 2));
            PipelineHarness.concat(h.readInbound());
            h.closePeer();
            List<Throwable> errors = h.errors();
            assertInstanceOf(CorruptFrameException.class, errors.get(0));
            assertTrue(errors.get(0).getMessage().contains("truncated"), errors.get(0).getMessage());
        }
    }

    @Test
    void closingLocallyInsideMemberIsNotAnError() throws Exception {
        byte[] gz = BadGzip.gzip(sample(50_000, 18));
        try (PipelineHarness h = new PipelineHarness(group, new GzipDecoder())) {
            h.writeInbound(java.util.Arrays.copyOf(gz, gz.length / 2));
            PipelineHarness.concat(h.readInbound());
            h.channel.close().get(10, TimeUnit.SECONDS);
            assertTrue(h.errors().isEmpty(), () -> "errors");
        }
    }

    @Test
    void outputComesInBoundedChunksAndSmallMessagesPinLittleMemory() throws Exception {
        byte[] big = sample(100_000, 19);
        try (PipelineHarness h = new PipelineHarness(group, new GzipDecoder(1 << 20, 8192))) {
            h.writeInbound(BadGzip.gzip(big));
            List<Object> chunks = h.readInbound();
            assertTrue(chunks.size() >= 13, "chunks: " + chunks.size());
            for (Object c : chunks) {
                assertTrue(((io.weft.buffer.Buffer) c).readableBytes() <= 8192);
            }
            assertArrayEquals(big, PipelineHarness.concat(chunks));
        }
        try (PipelineHarness h = new PipelineHarness(group, new GzipDecoder())) {
            h.writeInbound(BadGzip.gzip("tiny".getBytes(StandardCharsets.US_ASCII)));
            List<Object> chunks = h.readInbound();
            assertEquals(1, chunks.size());
            assertTrue(((io.weft.buffer.Buffer) chunks.get(0)).capacity() < 4096, "a 4-byte message pins a small buffer");
            assertEquals("tiny", new String(PipelineHarness.concat(chunks), StandardCharsets.US_ASCII));
        }
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
