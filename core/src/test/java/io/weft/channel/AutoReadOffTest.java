package io.weft.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.bootstrap.Udp;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import io.weft.testing.Collector;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
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

    /**
     * With auto-read off, a read() requested inside a UDP channelRead must bring the next batch (the UDP copy of the
     * read logic used to drop it). One datagram per batch, so each later datagram needs the request to be kept.
     */
    @Test
    void udpReadRequestedInsideChannelReadIsKept() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        CountDownLatch all = new CountDownLatch(3);
        try (EventLoopGroup group = new EventLoopGroup(1)) {
            UdpChannel server = Udp.builder().group(group).option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.MAX_READS_PER_EVENT, 1)
                    .handler(ch -> ch.pipeline().addLast("take", new Handler() {
                        @Override
                        public void channelRead(HandlerContext ctx, Object msg) {
                            Datagram datagram = (Datagram) msg;
                            received.add(datagram.content().toString(StandardCharsets.US_ASCII));
                            datagram.release();
                            all.countDown();
                            ctx.read();
                        }
                    }))
                    .bind("127.0.0.1", 0).get(10, TimeUnit.SECONDS);
            UdpChannel client = Udp.builder().group(group).bind("127.0.0.1", 0).get(10, TimeUnit.SECONDS);
            InetSocketAddress target = server.localAddress();
            for (String text : new String[] {"one", "two", "three"}) {
                client.write(new Datagram(client.allocator().copyOf(text, StandardCharsets.US_ASCII), target));
            }
            client.flush();
            server.read();
            assertTrue(all.await(20, TimeUnit.SECONDS), "received only " + received);
            assertEquals(List.of("one", "two", "three"), received);
            client.close().get(10, TimeUnit.SECONDS);
            server.close().get(10, TimeUnit.SECONDS);
        }
    }
}
