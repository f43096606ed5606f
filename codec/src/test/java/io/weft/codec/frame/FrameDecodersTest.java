package io.weft.codec.frame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.buffer.Buffer;
import io.weft.channel.EmbeddedChannel;
import io.weft.codec.CorruptFrameException;
import io.weft.codec.TooLongFrameException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FrameDecodersTest {

    /** Takes every frame waiting at the end of {@code ch}'s pipeline, as text; releases them. */
    private static List<String> strings(EmbeddedChannel ch) {
        List<String> out = new ArrayList<>();
        Buffer b;
        while ((b = ch.readInbound()) != null) {
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
        EmbeddedChannel ch = new EmbeddedChannel(new LengthFieldFrameDecoder(1 << 16, 0, width, 0, width, order),
                new LengthFieldPrepender(width, 0, false, order));
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (byte[] p : payloads) {
            ch.writeOutbound(ch.allocator().copyOf(p));
            wire.writeBytes(ch.readOutboundBytes());
        }
        byte[] bytes = wire.toByteArray();
        if (order == ByteOrder.LITTLE_ENDIAN && width > 1) {
            assertEquals(0, bytes[width - 1], "little-endian high byte of the empty frame's length");
        }
        ch.writeInboundBytes(bytes, 1);
        assertEquals(payloads.size(), ch.inboundMessages().size());
        for (int i = 0; i < payloads.size(); i++) {
            Buffer b = ch.readInbound();
            byte[] got = new byte[b.readableBytes()];
            b.readBytes(got);
            b.release();
            assertArrayEquals(payloads.get(i), got, "frame " + i);
        }
        assertFalse(ch.finish());
    }

    @Test
    void lengthFieldWithOffsetAdjustmentAndStrip() throws Exception {
        // [magic 0xCAFE][length of the whole frame, 2 bytes][body]; pass on [length][body].
        byte[] body = ascii("HELLO, WORLD");
        ByteBuffer frame = ByteBuffer.allocate(4 + body.length);
        frame.putShort((short) 0xCAFE).putShort((short) (4 + body.length)).put(body);
        EmbeddedChannel ch = new EmbeddedChannel(new LengthFieldFrameDecoder(100, 2, 2, -4, 2));
        ch.writeInboundBytes(frame.array(), frame.array());
        assertEquals(2, ch.inboundMessages().size());
        for (int i = 0; i < 2; i++) {
            Buffer b = ch.readInbound();
            assertEquals(4 + body.length, b.readUnsignedShort());
            assertEquals("HELLO, WORLD", b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        assertFalse(ch.finish());
    }

    @Test
    void oversizedLengthFailsFastBeforeTheBody() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new LengthFieldFrameDecoder(1000, 4));
        TooLongFrameException e = assertThrows(TooLongFrameException.class,
                () -> ch.writeInboundBytes(new byte[] {0, 0, 0x03, (byte) 0xE9})); // 1001: only the header arrived
        assertTrue(e.getMessage().contains("1001") && e.getMessage().contains("1000"), e.getMessage());
        assertFalse(ch.isOpen());
        assertFalse(ch.finish());
    }

    @Test
    void discardModeSkipsOversizedFrameAndContinues() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new LengthFieldFrameDecoder(10, 1).discardTooLongFrames(true));
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.write(50);
        wire.writeBytes(new byte[50]);
        wire.write(2);
        wire.writeBytes(ascii("ok"));
        TooLongFrameException e = assertThrows(TooLongFrameException.class,
                () -> ch.writeInboundBytes(wire.toByteArray(), 1));
        assertEquals(0, e.getSuppressed().length, "reported once");
        assertEquals(List.of("ok"), strings(ch));
        assertTrue(ch.isOpen(), "discard mode keeps the connection");
        assertFalse(ch.finish());
    }

    @Test
    void negativeEightByteLengthIsCorrupt() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new LengthFieldFrameDecoder(1000, 8));
        assertThrows(CorruptFrameException.class,
                () -> ch.writeInboundBytes(new byte[] {(byte) 0xFF, 0, 0, 0, 0, 0, 0, 1}));
        assertFalse(ch.isOpen());
        assertFalse(ch.finish());
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
        EmbeddedChannel ch = new EmbeddedChannel(new LengthFieldPrepender(1));
        java.util.concurrent.CompletableFuture<Void> promise = ch.newPromise();
        ch.write(ch.allocator().copyOf(new byte[256]), promise);
        Exception e = assertThrows(Exception.class, () -> promise.get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("256") && e.getCause().getMessage().contains("255"),
                e.getCause().getMessage());
        assertThrows(Exception.class, ch::checkException); // the failure also went down the pipeline
        ch.flush();
        assertTrue(ch.outboundMessages().isEmpty());
        assertFalse(ch.finish());
    }

    @Test
    void delimiterDecoderSplitsOnShortestOfSeveralDelimitersBytewise() throws Exception {
        byte[] input = ascii("one;two||three||four;");
        EmbeddedChannel stripping = new EmbeddedChannel(new DelimiterFrameDecoder(100, ascii("||"), ascii(";")));
        stripping.writeInboundBytes(input, 1);
        assertEquals(List.of("one", "two", "three", "four"), strings(stripping));
        assertFalse(stripping.finish());
        EmbeddedChannel keeping = new EmbeddedChannel(new DelimiterFrameDecoder(100, false, ascii("||"), ascii(";")));
        keeping.writeInboundBytes(input);
        assertEquals(List.of("one;", "two||", "three||", "four;"), strings(keeping));
        assertFalse(keeping.finish());
    }

    @Test
    void delimiterDecoderFailsFastWithoutDelimiterAndCanDiscard() throws Exception {
        EmbeddedChannel failing = new EmbeddedChannel(new DelimiterFrameDecoder(8, ascii("\0")));
        assertThrows(TooLongFrameException.class, () -> failing.writeInboundBytes(ascii("0123456789ab")));
        assertFalse(failing.isOpen());
        assertFalse(failing.finish());
        EmbeddedChannel discarding = new EmbeddedChannel(
                new DelimiterFrameDecoder(8, ascii("\r\n")).discardTooLongFrames(true));
        TooLongFrameException e = assertThrows(TooLongFrameException.class,
                () -> discarding.writeInboundBytes(ascii("short\r\nthis one is far too long\r\nnext\r\n"), 1));
        assertEquals(0, e.getSuppressed().length);
        assertEquals(List.of("short", "next"), strings(discarding));
        assertTrue(discarding.isOpen());
        assertFalse(discarding.finish());
    }

    @Test
    void lineDecoderHandlesLfAndCrlfInAnySplit() throws Exception {
        byte[] input = ascii("alpha\nbeta\r\n\r\ngamma\n");
        EmbeddedChannel stripping = new EmbeddedChannel(new LineFrameDecoder(64));
        stripping.writeInboundBytes(input, 1);
        assertEquals(List.of("alpha", "beta", "", "gamma"), strings(stripping));
        assertFalse(stripping.finish());
        EmbeddedChannel keeping = new EmbeddedChannel(new LineFrameDecoder(64, false));
        keeping.writeInboundBytes(input);
        assertEquals(List.of("alpha\n", "beta\r\n", "\r\n", "gamma\n"), strings(keeping));
        assertFalse(keeping.finish());
    }

    @Test
    void lineDecoderLimitsLineLength() throws Exception {
        EmbeddedChannel failing = new EmbeddedChannel(new LineFrameDecoder(5));
        TooLongFrameException e = assertThrows(TooLongFrameException.class,
                () -> failing.writeInboundBytes(ascii("12345\r\n"), ascii("12345\r"), ascii("\n"), ascii("123456")));
        assertTrue(e.getMessage().contains("limit of 5"), e.getMessage());
        assertEquals(List.of("12345", "12345"), strings(failing));
        assertFalse(failing.isOpen());
        assertFalse(failing.finish());
        EmbeddedChannel discarding = new EmbeddedChannel(new LineFrameDecoder(5).discardTooLongFrames(true));
        TooLongFrameException once = assertThrows(TooLongFrameException.class,
                () -> discarding.writeInboundBytes(ascii("toolongline"), ascii("still going\nok\n")));
        assertEquals(0, once.getSuppressed().length);
        assertEquals(List.of("ok"), strings(discarding));
        assertTrue(discarding.isOpen());
        assertFalse(discarding.finish());
    }

    @Test
    void unterminatedLineAtCloseIsCorrupt() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder(100));
        ch.writeInboundBytes(ascii("complete\nincomplete"));
        assertEquals(List.of("complete"), strings(ch));
        // finish() ends the channel as a peer's close would: the decoder reports the frame it cut short.
        CorruptFrameException e = assertThrows(CorruptFrameException.class, ch::finish);
        assertTrue(e.getMessage().contains("10 bytes"), e.getMessage());
    }

    @Test
    void closingLocallyWithPartialFrameIsNotAnError() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder(100));
        ch.writeInboundBytes(ascii("incomplete"));
        ch.close(); // through the pipeline, as a handler's own close: the peer did nothing wrong
        assertTrue(ch.close().isDone());
        assertFalse(ch.finish(), "no error, nothing left");
    }

    @Test
    void fixedLengthDecoderSlicesExactFrames() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new FixedLengthFrameDecoder(3));
        ch.writeInboundBytes(ascii("ab"), ascii("cdefg"), ascii("hi"));
        assertEquals(List.of("abc", "def", "ghi"), strings(ch));
        assertFalse(ch.finish());
    }

    @Test
    void framesHeldDownstreamSurviveLaterReads() throws Exception {
        // Frames are slices of the cumulation: later reads must never move bytes under a frame still held.
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder(1 << 16));
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
        ch.writeInboundBytes(chunks.toArray(new byte[0][]));
        List<String> lines = strings(ch); // read only now, after every read happened
        assertEquals(2000, lines.size());
        for (int i = 0; i < 2000; i++) {
            assertEquals("line-" + i + "-" + "x".repeat(i % 97), lines.get(i));
        }
        assertFalse(ch.finish());
    }
}
