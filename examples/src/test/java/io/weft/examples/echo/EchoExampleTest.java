package io.weft.examples.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.weft.bootstrap.Server;
import io.weft.loop.EventLoopGroup;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EchoExampleTest {

    @Test
    void clientGetsItsMessageBackFromTheServer() throws Exception {
        try (EventLoopGroup group = new EventLoopGroup(1);
             Server server = Server.builder().group(group)
                     .childHandler(ch -> ch.pipeline().addLast("echo", new EchoServer.EchoHandler()))
                     .bind("127.0.0.1", 0)) {
            assertEquals("héllo, wéft", EchoClient.echo("127.0.0.1", server.port(), "héllo, wéft"));
        }
    }

    @Test
    void clientAndServerTalkOverAUnixDomainSocket(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("echo.sock");
        try (EventLoopGroup group = new EventLoopGroup(1);
             Server server = Server.builder().group(group)
                     .childHandler(ch -> ch.pipeline().addLast("echo", new EchoServer.EchoHandler()))
                     .bind(path)) {
            assertEquals("over a socket file", EchoClient.echo(UnixDomainSocketAddress.of(path), "over a socket file"));
        }
        assertFalse(Files.exists(path));
    }
}
