package io.weft.examples.echo;

import io.weft.bootstrap.Server;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;

/**
 * Echoes every byte back. Run it with the README's command, then try {@code nc 127.0.0.1 8007}.
 *
 * <p>Usage: {@code EchoServer [port]} (default 8007).
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
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8007;
        Server server = Server.builder()
                .childHandler(ch -> ch.pipeline().addLast("echo", new EchoHandler()))
                .bind(port);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        org.slf4j.LoggerFactory.getLogger(EchoServer.class).info("echo server listening on {}", server.localAddress());
        server.closeFuture().join();
    }
}
