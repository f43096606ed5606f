package io.weft.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import io.weft.testing.Collector;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AutoReadOffTest {

    /** With auto-read off, a read() requested from channelReadComplete must bring the next batch. */
    @Test
    void readRequestedDuringReadCompleteIsKept() throws Exception {
        try (EventLoopGroup group = new EventLoopGroup(1);
             Server server = Server.builder().group(group).childHandler(ch -> ch.pipeline().addLast("send",
                     new Handler() {
                         @Override
                         public void channelActive(HandlerContext ctx) {
                             ctx.writeAndFlush(ctx.alloc().copyOf("first;", StandardCharsets.US_ASCII));
                             // Later, so that it arrives in a batch of its own.
                             ctx.loop().schedule(() -> ctx.writeAndFlush(
                                     ctx.alloc().copyOf("second", StandardCharsets.US_ASCII)), 300,
                                     TimeUnit.MILLISECONDS);
                         }
                     })).bind("127.0.0.1", 0)) {
            Collector collector = new Collector("first;second".length());
            TcpChannel ch = Client.builder().group(group).option(ChannelOption.AUTO_READ, false)
                    .handler(c -> c.pipeline().addLast("collect", collector).addLast("more", new Handler() {
                        @Override
                        public void channelReadComplete(HandlerContext ctx) {
                            ctx.read();
                        }
                    }))
                    .connect(server.localAddress()).get(10, TimeUnit.SECONDS);
            ch.read();
            assertEquals("first;second",
                    new String(collector.done().get(20, TimeUnit.SECONDS), StandardCharsets.US_ASCII));
            ch.close().get(10, TimeUnit.SECONDS);
        }
    }
}
