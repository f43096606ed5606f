package io.weft.examples.echo;

import io.weft.bootstrap.Server;
import io.weft.channel.ChannelOption;
import io.weft.examples.Cli;
import io.weft.loop.EventLoopGroup;
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

    static final String USAGE = "EchoServer [port | socket-path]   (default 8007; 0 picks a free port; an argument"
            + " containing / is the path of a Unix domain socket to listen on)";

    /**
     * Writes what it reads; flushes once per batch of reads so many small reads cost one system call. Stops
     * reading while the peer is not reading what it gets back: when the outbound buffer passes its high-water
     * mark ({@link Handler#writabilityChanged} with {@code isWritable()} false) it turns {@code AUTO_READ} off and
     * turns it back on when the buffer drains below the low-water mark, so a client that sends without reading
     * costs the server at most the high-water mark plus one batch of reads, not everything it sent.
     */
    static final class EchoHandler implements Handler {
        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            ctx.write(msg); // ownership of the buffer passes to the write
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
            ctx.flush();
            if (!ctx.channel().isWritable()) {
                ctx.channel().setOption(ChannelOption.AUTO_READ, false); // the peer is not keeping up: wait
            }
        }

        @Override
        public void writabilityChanged(HandlerContext ctx) {
            ctx.channel().setOption(ChannelOption.AUTO_READ, ctx.channel().isWritable());
            ctx.fireWritabilityChanged();
        }
    }

    private EchoServer() {
    }

    /** Starts an echo server on {@code host:port} (port 0 picks a free one). */
    public static Server start(EventLoopGroup group, String host, int port) {
        return Server.builder().group(group)
                .childHandler(ch -> ch.pipeline().addLast("echo", new EchoHandler()))
                .bind(host, port);
    }

    /**
     * Starts an echo server on the Unix domain socket {@code path}; the socket file is removed when it closes.
     */
    public static Server start(EventLoopGroup group, Path path) {
        return Server.builder().group(group)
                .childHandler(ch -> ch.pipeline().addLast("echo", new EchoHandler()))
                .bind(path);
    }

    /** Starts the server and blocks until it is closed. */
    public static void main(String[] args) {
        Cli.main(USAGE, args, a -> {
            a.atMost(1);
            String where = a.string(0, "8007");
            Path socketPath = where.contains("/") ? Path.of(where) : null;
            int port = socketPath == null ? a.port(0, 8007) : 0;
            EventLoopGroup group = new EventLoopGroup();
            Server server;
            try {
                server = socketPath != null ? start(group, socketPath) : start(group, "0.0.0.0", port);
            } catch (RuntimeException e) {
                group.close();
                throw e;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                group.close();
            }));
            org.slf4j.LoggerFactory.getLogger(EchoServer.class).info("echo server listening on {}",
                    server.address());
            server.closeFuture().join();
        });
    }
}
