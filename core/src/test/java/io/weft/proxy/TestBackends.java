package io.weft.proxy;

import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.channel.ChannelOption;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Backends for proxy tests: numbered Weft servers on 127.0.0.1 that greet each connection with their number (one
 * byte) and then echo. Each has its own loop, so {@link #kill} closes the server and every connection it holds.
 */
final class TestBackends implements AutoCloseable {

    private final List<Server> servers = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private final List<AtomicInteger> open = new ArrayList<>();
    private final List<AtomicInteger> accepted = new ArrayList<>();

    TestBackends(int count) {
        for (int i = 0; i < count; i++) {
            open.add(new AtomicInteger());
            accepted.add(new AtomicInteger());
            servers.add(null);
            ports.add(0);
            start(i);
        }
    }

    void start(int id) {
        AtomicInteger openCount = open.get(id);
        AtomicInteger acceptedCount = accepted.get(id);
        Server server = Server.builder().group(new EventLoopGroup(1))
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(ch -> ch.pipeline().addLast("greet-echo", new Handler() {
                    @Override
                    public void channelActive(HandlerContext ctx) {
                        openCount.incrementAndGet();
                        acceptedCount.incrementAndGet();
                        Buffer greeting = ctx.alloc().allocate(1);
                        greeting.writeByte(id);
                        ctx.writeAndFlush(greeting);
                    }

                    @Override
                    public void channelRead(HandlerContext ctx, Object msg) {
                        ctx.write(msg);
                    }

                    @Override
                    public void channelReadComplete(HandlerContext ctx) {
                        ctx.flush();
                    }

                    @Override
                    public void channelInactive(HandlerContext ctx) {
                        openCount.decrementAndGet();
                    }

                    @Override
                    public void exceptionCaught(HandlerContext ctx, Throwable cause) {
                        ctx.close();
                    }
                }))
                .bind("127.0.0.1", ports.get(id));
        servers.set(id, server);
        ports.set(id, server.port());
    }

    /** Closes backend {@code id}: its listening socket and every connection it holds. */
    void kill(int id) {
        Server server = servers.get(id);
        server.close();
        server.workerGroup().close();
        servers.set(id, null);
    }

    InetSocketAddress address(int id) {
        return new InetSocketAddress("127.0.0.1", ports.get(id));
    }

    int openConnections(int id) {
        return open.get(id).get();
    }

    int accepted(int id) {
        return accepted.get(id).get();
    }

    /** Connects through the proxy at {@code port}, returns the backend number it greeted with, checks an echo. */
    static int roundTrip(int port) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            int id = greeting(socket);
            OutputStream out = socket.getOutputStream();
            out.write(new byte[] {42, 43});
            out.flush();
            InputStream in = socket.getInputStream();
            if (in.read() != 42 || in.read() != 43) {
                throw new IOException("echo through the proxy differs");
            }
            return id;
        }
    }

    /** Reads the backend's greeting byte. */
    static int greeting(Socket socket) throws IOException {
        int id = socket.getInputStream().read();
        if (id < 0) {
            throw new IOException("proxy closed the connection before the backend greeted");
        }
        return id;
    }

    @Override
    public void close() {
        for (int i = 0; i < servers.size(); i++) {
            if (servers.get(i) != null) {
                kill(i);
            }
        }
    }
}
