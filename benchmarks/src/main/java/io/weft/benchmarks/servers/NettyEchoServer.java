package io.weft.benchmarks.servers;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.weft.benchmarks.NettyTransport;

/**
 * The Netty 4.2 twin of {@link WeftEchoServer}: write what is read, flush once per read batch, stop reading while
 * the channel is not writable (watermarks 32/64 KiB, as Weft's defaults).
 *
 * <p>Usage: {@code NettyEchoServer PORT THREADS [nio|epoll|io_uring]}; binds 127.0.0.1.
 */
public final class NettyEchoServer {

    /** Echo with back-pressure. */
    static final class EchoHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
            if (!ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(true);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private NettyEchoServer() {
    }

    /** Starts the server and blocks until the process is killed. */
    public static void main(String[] args) throws InterruptedException {
        int[] a = ServerArgs.portAndThreads("NettyEchoServer", args);
        NettyTransport transport = NettyTransport.of(args.length > 2 ? args[2] : "nio");
        EventLoopGroup boss = transport.group(1);
        EventLoopGroup workers = transport.group(a[1]);
        Channel server = new ServerBootstrap().group(boss, workers).channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new io.netty.channel.WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("echo", new EchoHandler());
                    }
                })
                .bind("127.0.0.1", a[0]).sync().channel();
        System.err.println("Netty " + transport.label() + " echo server listening on " + server.localAddress()
                + " with " + a[1] + " loops");
        server.closeFuture().sync();
    }
}
