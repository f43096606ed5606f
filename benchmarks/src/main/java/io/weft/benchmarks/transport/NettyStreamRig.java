package io.weft.benchmarks.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.EventLoopGroup;
import io.weft.benchmarks.NettyTransport;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/** Netty side of the streaming benchmark; the same shape as {@link WeftStreamRig}. */
final class NettyStreamRig implements AutoCloseable {

    private final EventLoopGroup serverGroup;
    private final EventLoopGroup clientGroup;
    private final Channel server;
    private final Channel channel;
    private final Producer producer;
    private final Sink sink = new Sink();
    private final Waiter waiter = new Waiter();
    private final ByteBuf template;
    private final int chunk;
    private final Runnable kick;
    private long sent;

    NettyStreamRig(NettyTransport transport, int chunk, int receiveMax) throws Exception {
        this.chunk = chunk;
        this.serverGroup = transport.group(1);
        this.clientGroup = transport.group(1);
        byte[] bytes = Payloads.random(chunk, chunk);
        template = Unpooled.directBuffer(chunk).writeBytes(bytes);
        server = new ServerBootstrap().group(serverGroup).channel(transport.serverChannel())
                .childOption(ChannelOption.TCP_NODELAY, true)
                // The same adaptive receive sizing as the Weft rig (64 B .. 2 KiB initial .. receiveMax), set
                // explicitly on both sides so that the 256 KiB rows compare like with like.
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(64, 2048, receiveMax))
                .childHandler(sink)
                .bind("127.0.0.1", 0).sync().channel();
        producer = new Producer();
        channel = new Bootstrap().group(clientGroup).channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .handler(producer)
                .connect(server.localAddress()).sync().channel();
        kick = producer::pump;
        sink.check = new byte[chunk];
        send(chunk);
        if (!Arrays.equals(bytes, sink.check)) {
            throw new IllegalStateException("Netty stream delivered different bytes");
        }
        sink.check = null;
    }

    long send(long bytes) {
        sent += bytes;
        sink.target = sent;
        waiter.arm(1);
        producer.toSend(bytes);
        channel.eventLoop().execute(kick);
        waiter.await();
        return sink.received;
    }

    @Override
    public void close() throws InterruptedException {
        channel.close().sync();
        server.close().sync();
        clientGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        serverGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        template.release();
    }

    final class Producer extends ChannelInboundHandlerAdapter {
        private ChannelHandlerContext ctx;
        private volatile long pending;
        private long toSend;
        private boolean pumping;

        void toSend(long bytes) {
            pending = bytes;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext context) {
            this.ctx = context;
        }

        void pump() {
            if (pumping) {
                return;
            }
            pumping = true;
            try {
                toSend += pending;
                pending = 0;
                Channel ch = ctx.channel();
                while (toSend > 0 && ch.isWritable()) {
                    while (toSend > 0 && ch.isWritable()) {
                        ByteBuf buffer = ctx.alloc().directBuffer(chunk);
                        buffer.writeBytes(template, 0, chunk);
                        ctx.write(buffer, ctx.voidPromise());
                        toSend -= chunk;
                    }
                    ctx.flush();
                }
            } finally {
                pumping = false;
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext context) {
            if (context.channel().isWritable()) {
                pump();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            waiter.fail("Netty producer failed: " + cause);
        }
    }

    @ChannelHandler.Sharable
    final class Sink extends ChannelInboundHandlerAdapter {
        volatile long received;
        volatile long target;
        byte[] check;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buffer = (ByteBuf) msg;
            int n = buffer.readableBytes();
            long before = received;
            if (check != null && before < check.length) {
                buffer.getBytes(buffer.readerIndex(), check, (int) before, (int) Math.min(n, check.length - before));
            }
            buffer.release();
            long now = before + n;
            received = now;
            if (now >= target && before < target) {
                waiter.countDown();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            waiter.fail("Netty sink failed: " + cause);
        }
    }
}
