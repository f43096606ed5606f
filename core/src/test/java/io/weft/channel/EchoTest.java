package io.weft.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.loop.EventLoopGroup;
import io.weft.testing.Collector;
import io.weft.testing.EchoHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EchoTest {

    private static EventLoopGroup serverGroup;
    private static EventLoopGroup clientGroup;
    private static Server server;

    @BeforeAll
    static void start() {
        serverGroup = new EventLoopGroup(2);
        clientGroup = new EventLoopGroup(2);
        server = Server.builder()
                .group(serverGroup)
                .childHandler(ch -> ch.pipeline().addLast("echo", new EchoHandler()))
                .bind("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.close();
        clientGroup.close();
        serverGroup.close();
    }

    @ParameterizedTest(name = "{0} bytes over {1} connection(s)")
    @CsvSource({
        "1, 1",
        "65536, 1",
        "16777216, 1",
        "1, 200",
        "65536, 200",
        "16777216, 4",
    })
    void echoesPayloadByteExact(int size, int connections) throws Exception {
        List<CompletableFuture<byte[]>> results = new ArrayList<>();
        List<TcpChannel> channels = new ArrayList<>();
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            byte[] payload = new byte[size];
            new Random(size * 31L + i).nextBytes(payload);
            payloads.add(payload);
            Collector collector = new Collector(size);
            TcpChannel channel = Client.builder().group(clientGroup)
                    .handler(ch -> ch.pipeline().addLast("collect", collector))
                    .connect(server.localAddress()).get(10, TimeUnit.SECONDS);
            channels.add(channel);
            results.add(collector.done());
            writeInChunks(channel, payload);
        }
        for (int i = 0; i < connections; i++) {
            assertArrayEquals(payloads.get(i), results.get(i).get(60, TimeUnit.SECONDS), "connection " + i);
        }
        for (TcpChannel channel : channels) {
            channel.close().get(5, TimeUnit.SECONDS);
        }
    }

    private static void writeInChunks(TcpChannel channel, byte[] payload) {
        int chunk = 256 * 1024;
        for (int offset = 0; offset < payload.length; offset += chunk) {
            int length = Math.min(chunk, payload.length - offset);
            Buffer buffer = channel.allocator().allocate(length);
            buffer.writeBytes(payload, offset, length);
            channel.write(buffer);
        }
        channel.flush();
    }
}
