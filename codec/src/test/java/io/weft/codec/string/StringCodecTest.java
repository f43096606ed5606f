package io.weft.codec.string;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.weft.channel.EmbeddedChannel;
import io.weft.codec.CorruptFrameException;
import io.weft.codec.frame.LineFrameDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StringCodecTest {

    @Test
    void lineProtocolRoundTripsMultiByteUtf8SplitAnywhere() throws Exception {
        List<String> lines = List.of("héllo wörld", "日本語のテキスト", "emoji 🧵 weft", "");
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder(1024), new StringDecoder(),
                new StringEncoder(StandardCharsets.UTF_8, "\r\n"));
        StringBuilder wire = new StringBuilder();
        for (String line : lines) {
            ch.writeOutbound(line);
            wire.append(new String(ch.readOutboundBytes(), StandardCharsets.UTF_8));
        }
        assertEquals(String.join("\r\n", lines) + "\r\n", wire.toString());
        ch.writeInboundBytes(wire.toString().getBytes(StandardCharsets.UTF_8), 1); // splits inside characters
        List<String> decoded = new ArrayList<>();
        String line;
        while ((line = ch.readInbound()) != null) {
            decoded.add(line);
        }
        assertEquals(lines, decoded);
        assertFalse(ch.finish());
    }

    @Test
    void lenientDecoderReplacesMalformedInputAndStrictOneRejectsIt() throws Exception {
        byte[] bad = {'o', 'k', (byte) 0xC3, '\n'};
        EmbeddedChannel lenient = new EmbeddedChannel(new LineFrameDecoder(64), new StringDecoder());
        lenient.writeInboundBytes(bad);
        assertEquals("ok\uFFFD", lenient.readInbound());
        assertFalse(lenient.finish());
        EmbeddedChannel strict = new EmbeddedChannel(new LineFrameDecoder(64),
                StringDecoder.strict(StandardCharsets.UTF_8));
        assertThrows(CorruptFrameException.class, () -> strict.writeInboundBytes(bad));
        assertNull(strict.readInbound());
        assertFalse(strict.finish());
    }
}
