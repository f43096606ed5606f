package io.weft.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.buffer.Buffer;
import io.weft.channel.BufferLeakException;
import io.weft.channel.EmbeddedChannel;
import io.weft.codec.checksum.ChecksumDecoder;
import io.weft.codec.checksum.ChecksumEncoder;
import io.weft.codec.checksum.ChecksumType;
import io.weft.codec.compress.GzipDecoder;
import io.weft.codec.compress.GzipEncoder;
import io.weft.codec.compress.ZlibDecoder;
import io.weft.codec.compress.ZlibEncoder;
import io.weft.codec.frame.LengthFieldFrameDecoder;
import io.weft.codec.frame.LengthFieldPrepender;
import io.weft.codec.frame.LineFrameDecoder;
import io.weft.codec.http.FullHttpRequest;
import io.weft.codec.http.FullHttpResponse;
import io.weft.codec.http.HttpClientCodec;
import io.weft.codec.http.HttpContent;
import io.weft.codec.http.HttpMethod;
import io.weft.codec.http.HttpObjectAggregator;
import io.weft.codec.http.HttpRequest;
import io.weft.codec.http.HttpResponseStatus;
import io.weft.codec.http.HttpServerCodec;
import io.weft.codec.http.HttpVersion;
import io.weft.codec.http.LastHttpContent;
import io.weft.codec.string.StringDecoder;
import io.weft.codec.string.StringEncoder;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every codec stage driven in memory by {@link EmbeddedChannel}: its output read at the head, fed back in split
 * into pieces of every size (down to one byte, which splits every header and every multi-byte character) and
 * coalesced into one read, and every run checked for leaks by {@link EmbeddedChannel#finish()}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EmbeddedCodecStagesTest {

    /** Chunk sizes: one byte, awkward primes, and everything in one read (coalesced). */
    static final int[] CHUNKS = {1, 3, 7, 64, 1021, Integer.MAX_VALUE};

    private static List<byte[]> messages(int count, int maxSize, long seed) {
        Random rnd = new Random(seed);
        List<byte[]> out = new ArrayList<>();
        out.add(new byte[0]);
        for (int i = 1; i < count; i++) {
            byte[] m = new byte[rnd.nextInt(maxSize)];
            for (int j = 0; j < m.length; j++) {
                m[j] = (byte) ('a' + rnd.nextInt(4)); // compressible
            }
            out.add(m);
        }
        return out;
    }

    /** Encodes each message through {@code ch}'s outbound path and returns the concatenated wire bytes. */
    private static byte[] encode(EmbeddedChannel ch, List<byte[]> messages) {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (byte[] m : messages) {
            assertTrue(ch.writeOutbound(ch.allocator().copyOf(m)));
            wire.writeBytes(ch.readOutboundBytes());
        }
        return wire.toByteArray();
    }

    /** Feeds {@code wire} in reads of {@code chunk} bytes and returns each decoded buffer's bytes (released). */
    private static List<byte[]> decode(EmbeddedChannel ch, byte[] wire, int chunk) {
        ch.writeInboundBytes(wire, Math.min(chunk, Math.max(1, wire.length)));
        List<byte[]> out = new ArrayList<>();
        Buffer b;
        while ((b = ch.readInbound()) != null) {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            out.add(bytes);
        }
        return out;
    }

    private static void assertSameMessages(List<byte[]> expected, List<byte[]> actual) {
        assertEquals(expected.size(), actual.size(), "message count");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "message " + i);
        }
    }

    private static Handler[] frameStack() {
        return new Handler[] {new LengthFieldFrameDecoder(1 << 20, 4), new LengthFieldPrepender(4)};
    }

    @ParameterizedTest(name = "reads of {0} bytes")
    @ValueSource(ints = {1, 3, 7, 64, 1021, Integer.MAX_VALUE})
    void lengthFieldFramesSurviveAnySplitAndCoalescing(int chunk) {
        List<byte[]> msgs = messages(30, 800, chunk);
        EmbeddedChannel ch = new EmbeddedChannel(frameStack());
        byte[] wire = encode(ch, msgs);
        assertEquals(msgs.stream().mapToInt(m -> m.length + 4).sum(), wire.length);
        assertTrue(msgs.stream().anyMatch(m -> m.length > 256), "some frames need a two-byte length");
        assertSameMessages(msgs, decode(ch, wire, chunk));
        assertFalse(ch.finish());
    }

    @Test
    void frameLongerThanTheLimitFailsAndClosesWithoutLeaking() {
        EmbeddedChannel ch = new EmbeddedChannel(new LengthFieldFrameDecoder(100, 4));
        // Header announcing 101 bytes, and a part of the body, in two reads.
        assertThrows(TooLongFrameException.class,
                () -> ch.writeInboundBytes(new byte[] {0, 0, 0, 101}, new byte[] {1, 2, 3}));
        assertFalse(ch.isOpen());
        assertFalse(ch.finish());
    }

    @Test
    void truncatedFrameAtCloseIsReportedAsCorrupt() {
        EmbeddedChannel ch = new EmbeddedChannel(new LengthFieldFrameDecoder(100, 4));
        ch.writeInboundBytes(new byte[] {0, 0, 0, 10, 1, 2});
        assertNull(ch.readInbound());
        assertThrows(CorruptFrameException.class, ch::finish);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"CRC32", "CRC32C"})
    void checksumsRoundTripSplitAnywhere(String typeName) {
        ChecksumType type = ChecksumType.valueOf(typeName);
        List<byte[]> msgs = messages(12, 300, 1);
        for (int chunk : CHUNKS) {
            EmbeddedChannel ch = new EmbeddedChannel(frameStack()[0], frameStack()[1], new ChecksumDecoder(type),
                    new ChecksumEncoder(type));
            byte[] wire = encode(ch, msgs);
            assertSameMessages(msgs, decode(ch, wire, chunk));
            assertFalse(ch.finish());
        }
    }

    @Test
    void checksumTrailerIsTheJdkCrc32cAndACorruptByteIsRejected() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChecksumDecoder(ChecksumType.CRC32C),
                new ChecksumEncoder(ChecksumType.CRC32C));
        byte[] payload = "weft".getBytes(StandardCharsets.US_ASCII);
        ch.writeOutbound(ch.allocator().copyOf(payload));
        byte[] frame = ch.readOutboundBytes();
        CRC32C crc = new CRC32C();
        crc.update(payload);
        assertEquals(payload.length + 4, frame.length);
        assertEquals((int) crc.getValue(), java.nio.ByteBuffer.wrap(frame, payload.length, 4).getInt());
        frame[0] ^= 1;
        assertThrows(ChecksumMismatchException.class, () -> ch.writeInboundBytes(frame));
        assertFalse(ch.isOpen());
        assertFalse(ch.finish());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gzip", "zlib"})
    void compressionRoundTripsSplitAnywhere(String format) {
        List<byte[]> msgs = messages(8, 8_000, 2);
        for (int chunk : CHUNKS) {
            Handler decoder = format.equals("gzip") ? new GzipDecoder() : new ZlibDecoder();
            Handler encoder = format.equals("gzip") ? new GzipEncoder() : new ZlibEncoder();
            EmbeddedChannel ch = new EmbeddedChannel(frameStack()[0], frameStack()[1], decoder, encoder);
            byte[] wire = encode(ch, msgs);
            assertTrue(wire.length < msgs.stream().mapToInt(m -> m.length).sum() / 2, "compressed: " + wire.length);
            List<byte[]> decoded = decode(ch, wire, chunk);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            ByteArrayOutputStream actual = new ByteArrayOutputStream();
            msgs.forEach(expected::writeBytes);
            decoded.forEach(actual::writeBytes);
            assertArrayEquals(expected.toByteArray(), actual.toByteArray());
            assertFalse(ch.finish());
        }
    }

    @Test
    void decompressionBombIsStoppedAtTheBound() {
        EmbeddedChannel encode = new EmbeddedChannel(new GzipEncoder());
        encode.writeOutbound(encode.allocator().copyOf(new byte[1 << 20])); // 1 MiB of zeros: about 1 KiB
        byte[] bomb = encode.readOutboundBytes();
        assertFalse(encode.finish());
        EmbeddedChannel ch = new EmbeddedChannel(new GzipDecoder(64 * 1024));
        assertThrows(DecompressionLimitException.class, () -> ch.writeInboundBytes(bomb, 100));
        ch.releaseInbound(); // the part that fit under the bound
        assertFalse(ch.isOpen());
        assertFalse(ch.finish());
    }

    @Test
    void linesOfUtf8RoundTripSplitInsideCharactersOrCoalesced() {
        List<String> lines = List.of("héllo wörld", "日本語のテキスト", "emoji 🧵 weft", "");
        for (int chunk : CHUNKS) {
            EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder(1024), new StringDecoder(),
                    new StringEncoder(StandardCharsets.UTF_8, "\n"));
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            for (String line : lines) {
                ch.writeOutbound(line);
                wire.writeBytes(ch.readOutboundBytes());
            }
            ch.writeInboundBytes(wire.toByteArray(), chunk);
            List<String> got = new ArrayList<>();
            String s;
            while ((s = ch.readInbound()) != null) {
                got.add(s);
            }
            assertEquals(lines, got, "reads of " + chunk + " bytes");
            assertFalse(ch.finish());
        }
    }

    /** Answers every request with its target as the body, once the request's last content has arrived. */
    static final class TargetEcho implements Handler {
        private String target;

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest req) {
                target = req.target();
            }
            if (msg instanceof HttpContent content) {
                boolean last = msg instanceof LastHttpContent;
                content.release();
                if (last) {
                    Buffer body = ctx.alloc().copyOf(target, StandardCharsets.US_ASCII);
                    ctx.writeAndFlush(new FullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body));
                }
            }
        }
    }

    @Test
    void httpServerCodecAnswersPipelinedRequestsSplitAnywhereOrCoalesced() {
        String requests = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                + "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                + "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        for (int chunk : CHUNKS) {
            EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(), new TargetEcho());
            ch.writeInboundBytes(requests.getBytes(StandardCharsets.US_ASCII), chunk);
            String out = new String(ch.readOutboundBytes(), StandardCharsets.US_ASCII);
            assertEquals(3, out.split("HTTP/1.1 200 OK", -1).length - 1, out);
            assertTrue(out.indexOf("\r\n\r\n/a") < out.indexOf("\r\n\r\n/b")
                    && out.indexOf("\r\n\r\n/b") < out.indexOf("\r\n\r\n/c"), out);
            assertTrue(ch.isOpen(), "keep-alive");
            assertFalse(ch.finish());
        }
    }

    @Test
    void httpServerCodecAnswersABadRequestWith400AndClosesAfterTheLinger() {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(), new TargetEcho());
        ch.writeInboundBytes("GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        String out = new String(ch.readOutboundBytes(), StandardCharsets.US_ASCII);
        assertTrue(out.startsWith("HTTP/1.1 400 "), out);
        assertTrue(out.toLowerCase().contains("connection: close"), out);
        ch.advanceTimeBy(1, TimeUnit.MINUTES); // any linger timer for the unread input runs out
        assertFalse(ch.isOpen());
        assertFalse(ch.finish());
    }

    @Test
    void httpClientCodecAndAggregatorReadAChunkedResponseSplitAnywhere() {
        String response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Test: yes\r\n\r\n"
                + "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n";
        for (int chunk : CHUNKS) {
            EmbeddedChannel ch = new EmbeddedChannel(new HttpClientCodec(), new HttpObjectAggregator(1024));
            ch.writeOutbound(new FullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/greeting",
                    ch.allocator().allocate(0)));
            String request = new String(ch.readOutboundBytes(), StandardCharsets.US_ASCII);
            assertTrue(request.startsWith("GET /greeting HTTP/1.1\r\n"), request);
            ch.writeInboundBytes(response.getBytes(StandardCharsets.US_ASCII), chunk);
            FullHttpResponse full = ch.readInbound();
            try {
                assertEquals(200, full.status().code());
                assertEquals("yes", full.headers().get("x-test"));
                assertEquals("hello, world", full.content().toString(StandardCharsets.US_ASCII));
            } finally {
                full.release();
            }
            assertNull(ch.readInbound());
            assertFalse(ch.finish(), "reads of " + chunk + " bytes");
        }
    }

    @Test
    void composedFrameCrcGzipStackRoundTrips() {
        List<byte[]> msgs = messages(20, 5000, 3);
        EmbeddedChannel ch = new EmbeddedChannel(new LengthFieldFrameDecoder(1 << 20, 4),
                new LengthFieldPrepender(4), new ChecksumDecoder(ChecksumType.CRC32C),
                new ChecksumEncoder(ChecksumType.CRC32C), new GzipDecoder(), new GzipEncoder());
        byte[] wire = encode(ch, msgs);
        List<byte[]> decoded = decode(ch, wire, 5);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        ByteArrayOutputStream actual = new ByteArrayOutputStream();
        msgs.forEach(expected::writeBytes);
        decoded.forEach(actual::writeBytes);
        assertArrayEquals(expected.toByteArray(), actual.toByteArray());
        assertFalse(ch.finish());
    }

    /** A decoder with a bug: it copies each frame and forgets to release the copy. */
    static final class LeakyDecoder extends ByteToMessageDecoder {
        final List<Buffer> leaked = new ArrayList<>();

        @Override
        protected void decode(HandlerContext ctx, Buffer in, List<Object> out) {
            leaked.add(in.copy());
            out.add(in.readRetainedSlice(in.readableBytes()));
        }
    }

    @Test
    void aDecoderThatLeaksIsNamedByFinish() {
        LeakyDecoder leaky = new LeakyDecoder();
        EmbeddedChannel ch = new EmbeddedChannel(leaky);
        ch.writeInboundBytes(new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, ch.readInboundBytes());
        BufferLeakException e = assertThrows(BufferLeakException.class, ch::finish);
        assertEquals(1, e.leaks().size(), e.getMessage());
        assertTrue(e.getMessage().contains("LeakyDecoder.decode"), e.getMessage());
        leaky.leaked.forEach(Buffer::release);
    }

    @Test
    void theLeakReportNamesTheAllocationOfAMessageTheTestKept() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder(100));
        ch.writeInboundBytes("one\ntwo\n".getBytes(StandardCharsets.US_ASCII));
        Buffer one = ch.readInbound();
        Buffer two = ch.readInbound();
        one.release();
        BufferLeakException e = assertThrows(BufferLeakException.class, ch::finish);
        assertInstanceOf(IllegalStateException.class, e);
        two.release();
        assertTrue(ch.unreleasedBuffers().isEmpty());
    }
}
