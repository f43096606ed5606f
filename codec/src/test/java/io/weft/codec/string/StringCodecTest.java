package io.weft.codec.string;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.codec.CorruptFrameException;
import io.weft.codec.PipelineHarness;
import io.weft.codec.frame.LineFrameDecoder;
import io.weft.loop.EventLoopGroup;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StringCodecTest {

    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new EventLoopGroup(1);
    }

    @AfterAll
    static void stop() {
        group.close();
    }

    @Test
    void lineProtocolRoundTripsMultiByteUtf8SplitAnywhere() throws Exception {
        List<String> lines = List.of("héllo wörld", "日本語のテキスト", "emoji 🧵 weft", "");
        try (PipelineHarness h = new PipelineHarness(group, new LineFrameDecoder(1024), new StringDecoder(),
                new StringEncoder(StandardCharsets.UTF_8, "\r\n"))) {
            StringBuilder wire = new StringBuilder();
            for (String line : lines) {
                h.writeOutbound(line);
                wire.append(new String(h.readOutboundBytes(), StandardCharsets.UTF_8));
            }
            assertEquals(String.join("\r\n", lines) + "\r\n", wire.toString());
            h.writeInboundBytewise(wire.toString().getBytes(StandardCharsets.UTF_8)); // splits inside characters
            assertEquals(lines, h.readInbound());
        }
    }

    @Test
    void lenientDecoderReplacesMalformedInputAndStrictOneRejectsIt() throws Exception {
        byte[] bad = {'o', 'k', (byte) 0xC3, '\n'};
        try (PipelineHarness h = new PipelineHarness(group, new LineFrameDecoder(64), new StringDecoder())) {
            h.writeInbound(bad);
            assertEquals(List.of("ok\uFFFD"), h.readInbound());
        }
        try (PipelineHarness h = new PipelineHarness(group, new LineFrameDecoder(64),
                StringDecoder.strict(StandardCharsets.UTF_8))) {
            h.writeInbound(bad);
            assertTrue(h.readInbound().isEmpty());
            assertInstanceOf(CorruptFrameException.class, h.errors().get(0));
        }
    }
}
