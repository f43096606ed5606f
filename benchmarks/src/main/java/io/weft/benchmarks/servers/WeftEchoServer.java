package io.weft.benchmarks.servers;

import io.weft.bootstrap.Server;
import io.weft.channel.ChannelOption;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;

/**
 * The Weft echo server of {@code benchmarks/echo-load.sh}: writes what it reads, flushes once per read batch, and
 * stops reading a connection while its outbound buffer is above the high-water mark (the same policy as
 * {@link NettyEchoServer} and the C ceiling), so a client that streams faster than it reads cannot grow memory.
 *
 * <p>Usage: {@code WeftEchoServer PORT THREADS}; binds 127.0.0.1.
 */
public final class WeftEchoServer {

    /** Echo with back-pressure. */
    static final class EchoHandler implements Handler {
        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
            ctx.flush();
            if (!ctx.channel().isWritable()) {
                ctx.channel().setOption(ChannelOption.AUTO_READ, false);
            }
        }

        @Override
        public void writabilityChanged(HandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                ctx.channel().setOption(ChannelOption.AUTO_READ, true);
            }
            ctx.fireWritabilityChanged();
        }
    }

    private WeftEchoServer() {
    }

    /** Starts the server and blocks until the process is killed. */
    public static void main(String[] args) {
        int[] a = ServerArgs.portAndThreads("WeftEchoServer", args);
        EventLoopGroup group = new EventLoopGroup(a[1]);
        Server server = Server.builder().group(group)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(ch -> ch.pipeline().addLast("echo", new EchoHandler()))
                .bind("127.0.0.1", a[0]);
        System.err.println("Weft echo server listening on " + server.localAddress() + " with " + a[1] + " loops");
        server.closeFuture().join();
    }
}
