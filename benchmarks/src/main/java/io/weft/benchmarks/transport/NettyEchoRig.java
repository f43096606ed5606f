package io.weft.benchmarks.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.weft.benchmarks.NettyTransport;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** Netty side of the echo benchmark; the same shape as {@link WeftEchoRig}, statement for statement. */
final class NettyEchoRig implements AutoCloseable {

    private final EventLoopGroup serverGroup;
    private final EventLoopGroup clientGroup;
    private final Channel server;
    private final List<Channel> channels = new ArrayList<>();
    private final List<ClientHandler> clients = new ArrayList<>();
    private final Runnable[] kicks;
    private final EventLoop[] kickLoops;
    private final Waiter waiter = new Waiter();
    private final ByteBuf template;
    private final int payload;

    NettyEchoRig(NettyTransport transport, int payload, int connections) throws Exception {
        this(transport, payload, connections, UnaryOperator.identity());
    }

    /** A rig whose clients connect to {@code front.apply(echo server address)}; see {@link WeftEchoRig}. */
    NettyEchoRig(NettyTransport transport, int payload, int connections, UnaryOperator<InetSocketAddress> front)
            throws Exception {
        this.payload = payload;
        this.serverGroup = transport.group(1);
        this.clientGroup = transport.group(1);
        byte[] bytes = Payloads.random(payload, payload);
        this.template = Unpooled.directBuffer(payload).writeBytes(bytes);
        server = new ServerBootstrap().group(serverGroup).channel(transport.serverChannel())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("echo", new EchoServerHandler());
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        InetSocketAddress target = front.apply((InetSocketAddress) server.localAddress());
        Map<EventLoop, List<ClientHandler>> byLoop = new LinkedHashMap<>();
        for (int i = 0; i < connections; i++) {
            ClientHandler client = new ClientHandler();
            Channel channel = new Bootstrap().group(clientGroup).channel(transport.socketChannel())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(client)
                    .connect(target).sync().channel();
            channels.add(channel);
            clients.add(client);
            byLoop.computeIfAbsent(channel.eventLoop(), l -> new ArrayList<>()).add(client);
        }
        kicks = new Runnable[byLoop.size()];
        kickLoops = new EventLoop[byLoop.size()];
        int k = 0;
        for (Map.Entry<EventLoop, List<ClientHandler>> entry : byLoop.entrySet()) {
            ClientHandler[] group = entry.getValue().toArray(new ClientHandler[0]);
            kickLoops[k] = entry.getKey();
            kicks[k++] = () -> {
                for (ClientHandler client : group) {
                    client.send();
                }
            };
        }
        verify(bytes);
    }

    private void verify(byte[] expected) {
        for (int round = 0; round < 3; round++) {
            for (ClientHandler client : clients) {
                client.check = new byte[payload];
            }
            roundTrip();
            for (ClientHandler client : clients) {
                if (!Arrays.equals(expected, client.check)) {
                    throw new IllegalStateException("Netty echo returned different bytes");
                }
                client.check = null;
            }
        }
    }

    long roundTrip() {
        waiter.arm(clients.size());
        for (int i = 0; i < kicks.length; i++) {
            kickLoops[i].execute(kicks[i]);
        }
        waiter.await();
        return (long) payload * clients.size();
    }

    @Override
    public void close() throws InterruptedException {
        for (Channel channel : channels) {
            channel.close().sync();
        }
        server.close().sync();
        clientGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        serverGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        template.release();
    }

    static final class EchoServerHandler extends ChannelInboundHandlerAdapter {
        @Override
        public boolean isSharable() {
            return false;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }

    final class ClientHandler extends ChannelInboundHandlerAdapter {
        private ChannelHandlerContext ctx;
        private int received;
        byte[] check;

        @Override
        public void handlerAdded(ChannelHandlerContext context) {
            this.ctx = context;
        }

        void send() {
            ByteBuf buffer = ctx.alloc().directBuffer(payload);
            buffer.writeBytes(template, 0, payload);
            received = 0;
            ctx.write(buffer, ctx.voidPromise());
            ctx.flush();
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object msg) {
            ByteBuf buffer = (ByteBuf) msg;
            int n = buffer.readableBytes();
            if (received + n > payload) {
                buffer.release();
                waiter.fail("Netty echo returned more bytes than sent: " + (received + n) + " > " + payload);
                return;
            }
            if (check != null) {
                buffer.getBytes(buffer.readerIndex(), check, received, n);
            }
            received += n;
            buffer.release();
            if (received == payload) {
                waiter.countDown();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            waiter.fail("Netty client failed: " + cause);
        }
    }
}
