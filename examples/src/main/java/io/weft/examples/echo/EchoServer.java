package io.weft.examples.echo;

import io.weft.bootstrap.Server;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.nio.file.Path;

/**
 * Echoes every byte back. Run it with the README's command, then try {@code nc 127.0.0.1 8007}.
 *
 * <p>Usage: {@code EchoServer [port | socket-path]} (default port 8007). An argument containing {@code /} is the
 * path of a Unix domain socket to listen on instead, for example {@code EchoServer /tmp/echo.sock}; the socket
 * file is removed when the server closes.
 */
public final class EchoServer {

    /** Writes what it reads; flushes once per batch of reads so many small reads cost one system call. */
    static final class EchoHandler implements Handler {
        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            ctx.write(msg); // ownership of the buffer passes to the write
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
            ctx.flush();
        }
    }

    private EchoServer() {
    }

    /** Starts the server and blocks until it is closed. */
    public static void main(String[] args) {
        String where = args.length > 0 ? args[0] : "8007";
        Server.Builder builder = Server.builder()
                .childHandler(ch -> ch.pipeline().addLast("echo", new EchoHandler()));
        Server server = where.contains("/") ? builder.bind(Path.of(where)) : builder.bind(Integer.parseInt(where));
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        org.slf4j.LoggerFactory.getLogger(EchoServer.class).info("echo server listening on {}", server.address());
        server.closeFuture().join();
    }
}
