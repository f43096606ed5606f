package io.weft.benchmarks.transport;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.buffer.UnpooledAllocator;
import io.weft.channel.ChannelOption;
import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoop;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Weft side of the echo benchmark: one server loop echoing, one client loop, {@code connections} connections.
 * A round trip sends {@code payload} bytes on every connection (all in flight at once) and completes when every
 * connection has received its full echo.
 */
final class WeftEchoRig implements AutoCloseable {

    private final EventLoopGroup serverGroup = new EventLoopGroup(1);
    private final EventLoopGroup clientGroup = new EventLoopGroup(1);
    private final Server server;
    private final List<TcpChannel> channels = new ArrayList<>();
    private final List<ClientHandler> clients = new ArrayList<>();
    private final Runnable[] kicks;
    private final EventLoop[] kickLoops;
    private final Waiter waiter = new Waiter();
    private final Buffer template;
    private final int payload;

    WeftEchoRig(int payload, int connections) throws Exception {
        this(payload, connections, UnaryOperator.identity());
    }

    /**
     * A rig whose clients connect to {@code front.apply(echo server address)} instead of the echo server itself:
     * the hook that puts a proxy in the middle ({@link ProxyBenchmark}).
     */
    WeftEchoRig(int payload, int connections, UnaryOperator<InetSocketAddress> front) throws Exception {
        this.payload = payload;
        byte[] bytes = Payloads.random(payload, payload);
        this.template = UnpooledAllocator.INSTANCE.copyOf(bytes);
        server = Server.builder().group(serverGroup)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(ch -> ch.pipeline().addLast("echo", new EchoServerHandler()))
                .bind("127.0.0.1", 0);
        InetSocketAddress target = front.apply(server.localAddress());
        Map<EventLoop, List<ClientHandler>> byLoop = new LinkedHashMap<>();
        for (int i = 0; i < connections; i++) {
            ClientHandler client = new ClientHandler();
            TcpChannel channel = Client.builder().group(clientGroup)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(ch -> ch.pipeline().addLast("client", client))
                    .connect(target).get(10, TimeUnit.SECONDS);
            channels.add(channel);
            clients.add(client);
            byLoop.computeIfAbsent(channel.loop(), l -> new ArrayList<>()).add(client);
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

    /** Sanity check: a few round trips with every echoed byte compared to what was sent. */
    private void verify(byte[] expected) {
        for (int round = 0; round < 3; round++) {
            for (ClientHandler client : clients) {
                client.check = new byte[payload];
            }
            roundTrip();
            for (ClientHandler client : clients) {
                if (!Arrays.equals(expected, client.check)) {
                    throw new IllegalStateException("Weft echo returned different bytes");
                }
                client.check = null;
            }
        }
    }

    /** One round trip on every connection; returns the bytes received (for the Blackhole). */
    long roundTrip() {
        waiter.arm(clients.size());
        for (int i = 0; i < kicks.length; i++) {
            kickLoops[i].execute(kicks[i]);
        }
        waiter.await();
        return (long) payload * clients.size();
    }

    @Override
    public void close() {
        for (TcpChannel channel : channels) {
            channel.close();
        }
        server.close();
        clientGroup.close();
        serverGroup.close();
        template.release();
    }

    /** Echoes every read back, flushing once per read batch. */
    static final class EchoServerHandler implements Handler {
        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            ctx.write(msg, null);
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
            ctx.flush();
        }
    }

    final class ClientHandler implements Handler {
        private HandlerContext ctx;
        private int received;
        byte[] check;

        @Override
        public void handlerAdded(HandlerContext context) {
            this.ctx = context;
        }

        void send() {
            Buffer buffer = ctx.alloc().allocate(payload);
            buffer.writeBytes(template, 0, payload);
            received = 0;
            ctx.write(buffer, null);
            ctx.flush();
        }

        @Override
        public void channelRead(HandlerContext context, Object msg) {
            Buffer buffer = (Buffer) msg;
            int n = buffer.readableBytes();
            if (received + n > payload) {
                buffer.release();
                waiter.fail("Weft echo returned more bytes than sent: " + (received + n) + " > " + payload);
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
        public void exceptionCaught(HandlerContext context, Throwable cause) {
            waiter.fail("Weft client failed: " + cause);
        }
    }
}
