package io.weft.examples.tlv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.weft.bootstrap.Server;
import io.weft.channel.EmbeddedChannel;
import io.weft.loop.EventLoopGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlvServerTest {

    @Test
    void wholeStackRoundTripsInMemory() {
        EmbeddedChannel client = new EmbeddedChannel(ch -> TlvServer.initPipeline(ch, new io.weft.pipeline.Handler() {
        }));
        EmbeddedChannel server = new EmbeddedChannel(ch -> TlvServer.initPipeline(ch, new TlvServer.ReplyHandler()));
        client.writeOutbound(new Tlv(1, "ping".getBytes()));
        server.writeInboundBytes(client.readOutboundBytes(), 3); // the framed, checked, compressed bytes, trickled
        client.writeInboundBytes(server.readOutboundBytes());
        Tlv reply = client.readInbound();
        assertEquals(0x81, reply.type());
        assertArrayEquals("ping".getBytes(), reply.value());
        assertFalse(client.finish());
        assertFalse(server.finish());
    }

    @Test
    void serverAnswersEveryRecordOverASocket() throws Exception {
        Random rnd = new Random(1);
        List<Tlv> records = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            byte[] value = new byte[i == 0 ? 0 : rnd.nextInt(20_000)];
            rnd.nextBytes(value);
            records.add(new Tlv(i % 100, value));
        }
        try (EventLoopGroup group = new EventLoopGroup(1);
             Server server = Server.builder().group(group)
                     .childHandler(ch -> TlvServer.initPipeline(ch, new TlvServer.ReplyHandler()))
                     .bind("127.0.0.1", 0)) {
            List<Tlv> replies = TlvClient.exchange("127.0.0.1", server.port(), records);
            assertEquals(records.size(), replies.size());
            for (int i = 0; i < records.size(); i++) {
                assertEquals(records.get(i).type() | 0x80, replies.get(i).type());
                assertArrayEquals(records.get(i).value(), replies.get(i).value());
            }
        }
    }
}
