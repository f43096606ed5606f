package io.weft.examples.udp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.weft.channel.UdpChannel;
import io.weft.loop.EventLoopGroup;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UdpEchoExampleTest {

    @Test
    void clientGetsItsDatagramBackFromTheServer() throws Exception {
        try (EventLoopGroup group = new EventLoopGroup(1)) {
            UdpChannel server = UdpEchoServer.start(group, "127.0.0.1", 0);
            try {
                assertEquals("héllo, wéft", UdpEchoClient.echo("127.0.0.1", server.localAddress().getPort(),
                        "héllo, wéft"));
            } finally {
                server.close().get(5, TimeUnit.SECONDS);
            }
        }
    }
}
