package io.weft.channel;


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

/** Buffers that wrap the caller's memory go over a real socket. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WrappedBufferWriteTest {

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
}
