package io.weft.examples.tlv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.weft.channel.EmbeddedChannel;
import io.weft.codec.CorruptFrameException;
import io.weft.codec.TooLongFrameException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The TLV codec of docs/writing-a-codec.md, tested in memory. Keep the two in step. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TlvCodecTest {

    @Test
    void encodesTypeLengthValue() {
        EmbeddedChannel ch = new EmbeddedChannel(new TlvEncoder());
        ch.writeOutbound(new Tlv(7, new byte[] {'h', 'i'}));
        assertArrayEquals(new byte[] {7, 0, 2, 'h', 'i'}, ch.readOutboundBytes());
        assertFalse(ch.finish());
    }

    @Test
    void decodesRecordsSplitAcrossReads() {
        EmbeddedChannel ch = new EmbeddedChannel(new TlvDecoder(100));
        ch.writeInboundBytes(new byte[] {7, 0}, new byte[] {2, 'h'}); // header and value split
        assertNull(ch.readInbound(), "incomplete: nothing yet");
        ch.writeInboundBytes(new byte[] {'i'});
        assertEquals(new Tlv(7, new byte[] {'h', 'i'}), ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void decodesRecordsCoalescedInOneRead() {
        EmbeddedChannel ch = new EmbeddedChannel(new TlvDecoder(100));
        ch.writeInboundBytes(new byte[] {1, 0, 1, 'a', 2, 0, 0, 3, 0, 2, 'b', 'c'});
        assertEquals(new Tlv(1, new byte[] {'a'}), ch.readInbound());
        assertEquals(new Tlv(2, new byte[0]), ch.readInbound());
        assertEquals(new Tlv(3, new byte[] {'b', 'c'}), ch.readInbound());
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void roundTripsOneByteAtATime() {
        EmbeddedChannel ch = new EmbeddedChannel(new TlvDecoder(Tlv.MAX_VALUE_LENGTH), new TlvEncoder());
        Tlv big = new Tlv(255, new byte[Tlv.MAX_VALUE_LENGTH]);
        ch.writeOutbound(big);
        ch.writeInboundBytes(ch.readOutboundBytes(), 1);
        assertEquals(big, ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void rejectsAValueLongerThanTheLimitFromItsHeader() {
        EmbeddedChannel ch = new EmbeddedChannel(new TlvDecoder(100));
        assertThrows(TooLongFrameException.class, () -> ch.writeInboundBytes(new byte[] {1, 0, 101}));
        assertFalse(ch.isOpen(), "a bad input closes that connection");
        assertFalse(ch.finish());
    }

    @Test
    void aRecordCutShortByThePeersCloseIsCorrupt() {
        EmbeddedChannel ch = new EmbeddedChannel(new TlvDecoder(100));
        ch.writeInboundBytes(new byte[] {1, 0, 5, 'a'});
        assertThrows(CorruptFrameException.class, ch::finish);
    }
}
