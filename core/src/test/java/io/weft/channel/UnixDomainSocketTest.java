package io.weft.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.loop.EventLoopGroup;
import io.weft.testing.Collector;
import io.weft.testing.EchoHandler;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The TCP channel classes over Unix domain sockets (JDK 16+): same pipeline API, same echo guarantees. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UnixDomainSocketTest {

    private static EventLoopGroup group;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.isOpen();
        } catch (IOException | UnsupportedOperationException e) {
            Assumptions.abort("Unix domain sockets unavailable: " + e);
        }
        group = new EventLoopGroup(2);
    }

    @AfterAll
    static void stop() {
        if (group != null) {
            group.close();
        }
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {1, 64 * 1024, 16 * 1024 * 1024})
    void echoesByteExactAndRemovesTheSocketFile(int size) throws Exception {
        Path path = dir.resolve("echo-" + size + ".sock");
        byte[] payload = new byte[size];
        new Random(size).nextBytes(payload);
        Server server = Server.builder().group(group)
                .childHandler(ch -> ch.pipeline().addLast("echo", new EchoHandler()))
                .bind(path);
        try {
            assertTrue(Files.exists(path), "the socket file exists while bound");
            assertEquals(UnixDomainSocketAddress.of(path), server.address());
            Collector collector = new Collector(size);
            TcpChannel client = Client.builder().group(group)
                    .handler(ch -> ch.pipeline().addLast("collect", collector))
                    .connect(UnixDomainSocketAddress.of(path)).get(10, TimeUnit.SECONDS);
            assertInstanceOf(UnixDomainSocketAddress.class, client.remoteAddress());
            for (int off = 0; off < size; off += 256 * 1024) {
                int len = Math.min(256 * 1024, size - off);
                io.weft.buffer.Buffer chunk = client.allocator().allocate(len);
                chunk.writeBytes(payload, off, len);
                client.write(chunk);
            }
            client.flush();
            assertArrayEquals(payload, collector.done().get(60, TimeUnit.SECONDS));
            client.close().get(10, TimeUnit.SECONDS);
        } finally {
            server.close();
        }
        assertFalse(Files.exists(path), "the socket file is removed on close");
        // ... so the same path can be bound again at once.
        Server again = Server.builder().group(group).childHandler(ch -> { }).bind(path);
        again.close();
    }

    @Test
    void tcpOnlyOptionsAreRefusedCleanly() throws Exception {
        Path path = dir.resolve("opts.sock");
        IllegalStateException bindError = assertThrows(IllegalStateException.class, () -> Server.builder()
                .group(group).childOption(ChannelOption.TCP_NODELAY, true).childHandler(ch -> { }).bind(path));
        assertInstanceOf(IllegalArgumentException.class, bindError.getCause());
        assertTrue(bindError.getCause().getMessage().contains("TCP_NODELAY"), bindError.getCause().getMessage());
        assertFalse(Files.exists(path));
        try (Server server = Server.builder().group(group).childHandler(ch -> { }).bind(path)) {
            CompletableFuture<TcpChannel> connect = Client.builder().group(group)
                    .option(ChannelOption.TCP_NODELAY, true).connect(UnixDomainSocketAddress.of(path));
            ExecutionException e = assertThrows(ExecutionException.class, () -> connect.get(10, TimeUnit.SECONDS));
            assertInstanceOf(IllegalArgumentException.class, e.getCause());
            assertThrows(IllegalStateException.class, server::port, "no port on a Unix domain socket");
        }
    }
}
