package io.weft.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.loop.EventLoopGroup;
import io.weft.testing.Collector;
import io.weft.testing.EchoHandler;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A refused option value leaves the previous value in place; wrapped memory goes over a real socket. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ChannelApiTest {

    private static EventLoopGroup group;
    private static Server server;

    @BeforeAll
    static void start() {
        group = new EventLoopGroup(1);
        server = Server.builder().group(group)
                .childHandler(ch -> ch.pipeline().addLast("echo", new EchoHandler()))
                .bind("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.close();
        group.close();
    }

    @Test
    void wrappedHeapAndDirectMemoryIsWrittenWithoutCopyingFirst() throws Exception {
        byte[] array = new byte[100_000];
        new java.util.Random(7).nextBytes(array);
        java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(50_000);
        for (int i = 0; i < 50_000; i++) {
            direct.put(i, (byte) (i * 13));
        }
        byte[] expected = new byte[150_000];
        System.arraycopy(array, 0, expected, 0, array.length);
        direct.get(0, expected, array.length, 50_000);
        Collector collector = new Collector(expected.length);
        TcpChannel channel = Client.builder().group(group).handler(ch -> ch.pipeline().addLast("collect", collector))
                .connect(server.localAddress()).get(10, TimeUnit.SECONDS);
        try {
            channel.write(io.weft.buffer.Buffer.wrap(array));
            channel.writeAndFlush(io.weft.buffer.Buffer.wrap(direct));
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected, collector.done().get(20, TimeUnit.SECONDS));
        } finally {
            channel.close().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void invalidValuesAreRefusedBeforeTheyAreStored() throws Exception {
        TcpChannel channel = Client.builder().group(group).handler(ch -> { })
                .connect(server.localAddress()).get(10, TimeUnit.SECONDS);
        try {
            channel.setOption(ChannelOption.MAX_READS_PER_EVENT, 4);
            assertThrows(IllegalArgumentException.class, () -> channel.setOption(ChannelOption.MAX_READS_PER_EVENT, 0));
            assertEquals(4, channel.option(ChannelOption.MAX_READS_PER_EVENT));
            assertThrows(IllegalArgumentException.class,
                    () -> channel.setOption(ChannelOption.WRITE_BUFFER_HIGH_WATER_MARK, -1));
            assertEquals(ChannelOption.WRITE_BUFFER_HIGH_WATER_MARK.defaultValue(),
                    channel.option(ChannelOption.WRITE_BUFFER_HIGH_WATER_MARK));
            // A socket option the socket refuses is not recorded either.
            assertThrows(IllegalArgumentException.class, () -> channel.setOption(ChannelOption.SO_BROADCAST, true));
            assertEquals(null, channel.option(ChannelOption.SO_BROADCAST));
        } finally {
            channel.close().get(10, TimeUnit.SECONDS);
        }
    }
}
