package io.weft.codec.frame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.buffer.Buffer;
import io.weft.codec.CorruptFrameException;
import io.weft.codec.PipelineHarness;
import io.weft.codec.TooLongFrameException;
import io.weft.loop.EventLoopGroup;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FrameDecodersTest {

    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new EventLoopGroup(1);
    }

    @AfterAll
    static void stop() {
        group.close();
    }

    private static List<String> strings(List<Object> frames) {
        List<String> out = new ArrayList<>();
        for (Object o : frames) {
            Buffer b = (Buffer) o;
            out.add(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        return out;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @ParameterizedTest(name = "{0}-byte field, {1}")
    @CsvSource({
        "1, BIG_ENDIAN", "1, LITTLE_ENDIAN", "2, BIG_ENDIAN", "2, LITTLE_ENDIAN", "3, BIG_ENDIAN",
        "3, LITTLE_ENDIAN", "4, BIG_ENDIAN", "4, LITTLE_ENDIAN", "8, BIG_ENDIAN", "8, LITTLE_ENDIAN",
    })
    void lengthFieldRoundTripsEveryWidthAndOrderBytewise(int width, String orderName) throws Exception {
        ByteOrder order = orderName.equals("BIG_ENDIAN") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        Random rnd = new Random(width);
        List<byte[]> payloads = new ArrayList<>();
        int max = width == 1 ? 255 : 3000;
        for (int i = 0; i < 20; i++) {
            byte[] p = new byte[i == 0 ? 0 : i == 1 ? max : rnd.nextInt(max)];
            rnd.nextBytes(p);
            payloads.add(p);
        }
        try (PipelineHarness h = new PipelineHarness(group,
                new LengthFieldFrameDecoder(1 << 16, 0, width, 0, width, order),
                new LengthFieldPrepender(width, 0, false, order))) {
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            for (byte[] p : payloads) {
                h.writeOutbound(h.alloc().copyOf(p));
                wire.writeBytes(h.readOutboundBytes());
            }
            byte[] bytes = wire.toByteArray();
            byte[] first = bytes.clone();
            if (order == ByteOrder.LITTLE_ENDIAN && width > 1) {
                assertEquals(0, first[width - 1], "little-endian high byte of the empty frame's length");
            }
            h.writeInboundBytewise(bytes);
            List<Object> frames = h.readInbound();
            assertEquals(payloads.size(), frames.size());
            for (int i = 0; i < frames.size(); i++) {
                Buffer b = (Buffer) frames.get(i);
                assertArrayEquals(payloads.get(i), PipelineHarness.bytes(b), "frame " + i);
                b.release();
            }
        }
    }

    @Test
    void lengthFieldWithOffsetAdjustmentAndStrip() throws Exception {
        // [magic 0xCAFE][length of the whole frame, 2 bytes][body]; pass on [length][body].
        byte[] body = ascii("HELLO, WORLD");
        ByteBuffer frame = ByteBuffer.allocate(4 + body.length);
        frame.putShort((short) 0xCAFE).putShort((short) (4 + body.length)).put(body);
        try (PipelineHarness h = new PipelineHarness(group, new LengthFieldFrameDecoder(100, 2, 2, -4, 2))) {
            h.writeInbound(frame.array(), frame.array());
            List<Object> frames = h.readInbound();
            assertEquals(2, frames.size());
            for (Object o : frames) {
                Buffer b = (Buffer) o;
                assertEquals(4 + body.length, b.readUnsignedShort());
                assertEquals("HELLO, WORLD", b.toString(StandardCharsets.US_ASCII));
                b.release();
            }
        }
    }

    @Test
    void oversizedLengthFailsFastBeforeTheBody() throws Exception {
        try (PipelineHarness h = new PipelineHarness(group, new LengthFieldFrameDecoder(1000, 4))) {
            h.writeInbound(new byte[] {0, 0, 0x03, (byte) 0xE9}); // 1001: only the header has arrived
            TooLongFrameException e = assertInstanceOf(TooLongFrameException.class, h.errors().get(0));
            assertTrue(e.getMessage().contains("1001") && e.getMessage().contains("1000"), e.getMessage());
            assertFalse(h.isOpen());
        }
    }

    @Test
    void discardModeSkipsOversizedFrameAndContinues() throws Exception {
        try (PipelineHarness h = new PipelineHarness(group,
                new LengthFieldFrameDecoder(10, 1).discardTooLongFrames(true))) {
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            wire.write(50);
            wire.writeBytes(new byte[50]);
            wire.write(2);
            wire.writeBytes(ascii("ok"));
            h.writeInboundBytewise(wire.toByteArray());
            assertEquals(List.of("ok"), strings(h.readInbound()));
            assertEquals(1, h.errors().size());
            assertInstanceOf(TooLongFrameException.class, h.errors().get(0));
            assertTrue(h.isOpen(), "discard mode keeps the connection");
        }
    }

    @Test
    void negativeEightByteLengthIsCorrupt() throws Exception {
        try (PipelineHarness h = new PipelineHarness(group, new LengthFieldFrameDecoder(1000, 8))) {
            h.writeInbound(new byte[] {(byte) 0xFF, 0, 0, 0, 0, 0, 0, 1});
            assertInstanceOf(CorruptFrameException.class, h.errors().get(0));
            assertFalse(h.isOpen());
        }
    }

    @Test
    void rejectsInvalidConfiguration() {
        assertThrows(IllegalArgumentException.class, () -> new LengthFieldFrameDecoder(100, 5));
        assertThrows(IllegalArgumentException.class, () -> new LengthFieldFrameDecoder(0, 4));
        assertThrows(IllegalArgumentException.class, () -> new LengthFieldPrepender(7));
        assertThrows(IllegalArgumentException.class, () -> new DelimiterFrameDecoder(10, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new FixedLengthFrameDecoder(0));
    }

    @Test
    void prependerRejectsBodyTooLongForItsField() throws Exception {
        try (PipelineHarness h = new PipelineHarness(group, new LengthFieldPrepender(1))) {
            java.util.concurrent.CompletableFuture<Void> promise = new java.util.concurrent.CompletableFuture<>();
            h.call(() -> {
                h.channel.pipeline().write(h.alloc().copyOf(new byte[256]), promise);
                return null;
            });
            Exception e = assertThrows(Exception.class, () -> promise.get(5, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("256") && e.getCause().getMessage().contains("255"),
                    e.getCause().getMessage());
            assertTrue(h.readOutbound().isEmpty());
        }
    }

    @Test
    void delimiterDecoderSplitsOnShortestOfSeveralDelimitersBytewise() throws Exception {
        byte[] input = ascii("one;two||three||four;");
        try (PipelineHarness h = new PipelineHarness(group,
                new DelimiterFrameDecoder(100, ascii("||"), ascii(";")))) {
            h.writeInboundBytewise(input);
            assertEquals(List.of("one", "two", "three", "four"), strings(h.readInbound()));
        }
        try (PipelineHarness h = new PipelineHarness(group,
                new DelimiterFrameDecoder(100, false, ascii("||"), ascii(";")))) {
            h.writeInbound(input);
            assertEquals(List.of("one;", "two||", "three||", "four;"), strings(h.readInbound()));
        }
    }

    @Test
    void delimiterDecoderFailsFastWithoutDelimiterAndCanDiscard() throws Exception {
        try (PipelineHarness h = new PipelineHarness(group, new DelimiterFrameDecoder(8, ascii("\0")))) {
            h.writeInbound(ascii("0123456789ab"));
            assertInstanceOf(TooLongFrameException.class, h.errors().get(0));
            assertFalse(h.isOpen());
        }
        try (PipelineHarness h = new PipelineHarness(group,
                new DelimiterFrameDecoder(8, ascii("\r\n")).discardTooLongFrames(true))) {
            h.writeInboundBytewise(ascii("short\r\nthis one is far too long\r\nnext\r\n"));
            assertEquals(List.of("short", "next"), strings(h.readInbound()));
            assertEquals(1, h.errors().size());
            assertTrue(h.isOpen());
        }
    }

    @Test
    void lineDecoderHandlesLfAndCrlfInAnySplit() throws Exception {
        byte[] input = ascii("alpha\nbeta\r\n\r\ngamma\n");
        try (PipelineHarness h = new PipelineHarness(group, new LineFrameDecoder(64))) {
            h.writeInboundBytewise(input);
            assertEquals(List.of("alpha", "beta", "", "gamma"), strings(h.readInbound()));
        }
        try (PipelineHarness h = new PipelineHarness(group, new LineFrameDecoder(64, false))) {
            h.writeInbound(input);
            assertEquals(List.of("alpha\n", "beta\r\n", "\r\n", "gamma\n"), strings(h.readInbound()));
        }
    }

    @Test
    void lineDecoderLimitsLineLength() throws Exception {
        try (PipelineHarness h = new PipelineHarness(group, new LineFrameDecoder(5))) {
            h.writeInbound(ascii("12345\r\n"), ascii("12345\r"), ascii("\n"), ascii("123456"));
            assertEquals(List.of("12345", "12345"), strings(h.readInbound()));
            TooLongFrameException e = assertInstanceOf(TooLongFrameException.class, h.errors().get(0));
            assertTrue(e.getMessage().contains("limit of 5"), e.getMessage());
            assertFalse(h.isOpen());
        }
        try (PipelineHarness h = new PipelineHarness(group, new LineFrameDecoder(5).discardTooLongFrames(true))) {
            h.writeInbound(ascii("toolongline"), ascii("still going\nok\n"));
            assertEquals(List.of("ok"), strings(h.readInbound()));
            assertEquals(1, h.errors().size());
            assertTrue(h.isOpen());
        }
    }

    @Test
    void unterminatedLineAtCloseIsCorrupt() throws Exception {
        try (PipelineHarness h = new PipelineHarness(group, new LineFrameDecoder(100))) {
            h.writeInbound(ascii("complete\nincomplete"));
            assertEquals(List.of("complete"), strings(h.readInbound()));
            h.closePeer();
            CorruptFrameException e = assertInstanceOf(CorruptFrameException.class, h.errors().get(0));
            assertTrue(e.getMessage().contains("10 bytes"), e.getMessage());
        }
    }

    @Test
    void closingLocallyWithPartialFrameIsNotAnError() throws Exception {
        try (PipelineHarness h = new PipelineHarness(group, new LineFrameDecoder(100))) {
            h.writeInbound(ascii("incomplete"));
            h.channel.close().get(10, TimeUnit.SECONDS);
            assertTrue(h.errors().isEmpty(), "our own close cut the frame short, the peer did nothing wrong");
        }
    }

    @Test
    void fixedLengthDecoderSlicesExactFrames() throws Exception {
        try (PipelineHarness h = new PipelineHarness(group, new FixedLengthFrameDecoder(3))) {
            h.writeInbound(ascii("ab"), ascii("cdefg"), ascii("hi"));
            assertEquals(List.of("abc", "def", "ghi"), strings(h.readInbound()));
        }
    }

    @Test
    void framesHeldDownstreamSurviveLaterReads() throws Exception {
        // Frames are slices of the cumulation: later reads must never move bytes under a frame still held.
        try (PipelineHarness h = new PipelineHarness(group, new LineFrameDecoder(1 << 16))) {
            List<byte[]> chunks = new ArrayList<>();
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 2000; i++) {
                String line = "line-" + i + "-" + "x".repeat(i % 97);
                expected.append(line).append('\n');
            }
            byte[] all = ascii(expected.toString());
            Random rnd = new Random(3);
            for (int off = 0; off < all.length; ) {
                int len = Math.min(all.length - off, 1 + rnd.nextInt(700));
                chunks.add(java.util.Arrays.copyOfRange(all, off, off + len));
                off += len;
            }
            h.writeInbound(chunks.toArray(new byte[0][]));
            List<String> lines = strings(h.readInbound()); // read only now, after every read happened
            assertEquals(2000, lines.size());
            for (int i = 0; i < 2000; i++) {
                assertEquals("line-" + i + "-" + "x".repeat(i % 97), lines.get(i));
            }
        }
    }
}
