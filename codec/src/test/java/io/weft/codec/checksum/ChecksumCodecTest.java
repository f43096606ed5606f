package io.weft.codec.checksum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.buffer.Buffer;
import io.weft.channel.EmbeddedChannel;
import io.weft.codec.ChecksumMismatchException;
import io.weft.codec.CorruptFrameException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChecksumCodecTest {

    /** Runs {@code payload} through a {@link ChecksumEncoder} and returns the frame it wrote. */
    private static byte[] encode(ChecksumType type, ChecksumPosition position, byte[] payload) throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new ChecksumEncoder(type, position));
        ch.writeOutbound(ch.allocator().copyOf(payload));
        assertEquals(1, ch.outboundMessages().size(), "one buffer per frame");
        byte[] frame = ch.readOutboundBytes();
        assertFalse(ch.finish());
        return frame;
    }

    private static int crcOf(ChecksumType type, byte[] payload) throws Exception {
        byte[] frame = encode(type, ChecksumPosition.APPEND, payload);
        assertEquals(payload.length + 4, frame.length);
        return ByteBuffer.wrap(frame, payload.length, 4).getInt();
    }

    @Test
    void crc32OfCheckStringIsCbf43926() throws Exception {
        assertEquals(0xCBF43926, crcOf(ChecksumType.CRC32, "123456789".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(0xE3069283, crcOf(ChecksumType.CRC32C, "123456789".getBytes(StandardCharsets.US_ASCII)));
    }

    /** RFC 3720 appendix B.4 (the CRC bytes there are listed least significant first). */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "32 bytes of zeros, zeros, 8a9136aa",
        "32 bytes of ones, ones, 62a8ab43",
        "32 incrementing bytes, inc, 46dd794e",
        "32 decrementing bytes, dec, 113fdb5c",
        "an iSCSI read command PDU, pdu, d9963a56",
    })
    void crc32cMatchesRfc3720Vectors(String name, String kind, String hex) throws Exception {
        byte[] data = new byte[32];
        switch (kind) {
            case "ones" -> java.util.Arrays.fill(data, (byte) 0xFF);
            case "inc" -> {
                for (int i = 0; i < 32; i++) {
                    data[i] = (byte) i;
                }
            }
            case "dec" -> {
                for (int i = 0; i < 32; i++) {
                    data[i] = (byte) (31 - i);
                }
            }
            case "pdu" -> data = HexFormat.of().parseHex("01c00000000000000000000000000000"
                    + "14000000000004000000001400000018" + "28000000000000000200000000000000");
            default -> { }
        }
        assertEquals((int) Long.parseLong(hex, 16), crcOf(ChecksumType.CRC32C, data), name);
    }

    @ParameterizedTest
    @EnumSource(ChecksumType.class)
    void roundTripsBothPositionsAndStripsTheChecksum(ChecksumType type) throws Exception {
        for (ChecksumPosition position : ChecksumPosition.values()) {
            byte[] payload = "a payload worth protecting".repeat(50).getBytes(StandardCharsets.UTF_8);
            byte[] frame = encode(type, position, payload);
            EmbeddedChannel ch = new EmbeddedChannel(new ChecksumDecoder(type, position));
            ch.writeInboundBytes(frame); // would throw the decoder's error
            assertArrayEquals(payload, ch.readInboundBytes(), position.toString());
            assertFalse(ch.finish());
        }
    }

    @Test
    void appendsInPlaceWhenTheBufferHasRoom() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new ChecksumEncoder());
        Buffer payload = ch.allocator().allocate(64);
        payload.writeBytes(new byte[] {1, 2, 3});
        ch.writeOutbound(payload);
        assertSame(payload, ch.outboundMessages().peek(), "no copy");
        assertEquals(7, ch.readOutboundBytes().length);
        assertFalse(ch.finish());
    }

    @Test
    void flippedBitRaisesMismatchNamingBothValuesAndCloses() throws Exception {
        byte[] frame = encode(ChecksumType.CRC32C, ChecksumPosition.APPEND, new byte[100]);
        frame[40] ^= 0x04;
        EmbeddedChannel ch = new EmbeddedChannel(new ChecksumDecoder());
        ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class,
                () -> ch.writeInboundBytes(frame, frame));
        assertNull(ch.readInbound());
        assertEquals(0, e.getSuppressed().length, "reported once, later frames dropped");
        int expected = ByteBuffer.wrap(frame, 100, 4).getInt();
        assertTrue(e.getMessage().contains(String.format("expected 0x%08x", expected)), e.getMessage());
        assertTrue(e.getMessage().contains("actual 0x"), e.getMessage());
        assertFalse(ch.isOpen());
        assertFalse(ch.finish());
    }

    @Test
    void frameShorterThanChecksumIsCorrupt() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new ChecksumDecoder(ChecksumType.CRC32));
        CorruptFrameException e = assertThrows(CorruptFrameException.class,
                () -> ch.writeInboundBytes(new byte[] {1, 2, 3}));
        assertTrue(e.getMessage().contains("3 bytes"), e.getMessage());
        assertFalse(ch.isOpen());
        assertFalse(ch.finish());
    }
}
