package io.weft.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import io.weft.testing.Collector;
import io.weft.testing.EchoHandler;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectionLifecycleTest {

    private final EventLoopGroup group = new EventLoopGroup(1);
    private final EventLoopGroup clientGroup = new EventLoopGroup(1);

    @AfterEach
    void stop() {
        clientGroup.close();
        group.close();
    }

    /** Floods its peer with data; records inactive and exceptions. */
    static final class Flooder implements Handler {
        final CompletableFuture<Void> inactive = new CompletableFuture<>();
        final CompletableFuture<Void> started = new CompletableFuture<>();

        @Override
        public void channelActive(HandlerContext ctx) {
            started.complete(null);
            flood(ctx);
        }

        @Override
        public void writabilityChanged(HandlerContext ctx) {
            flood(ctx);
        }

        private void flood(HandlerContext ctx) {
            while (ctx.channel().isWritable()) {
                Buffer buffer = ctx.alloc().allocate(16 * 1024);
                buffer.writeZero(16 * 1024);
                ctx.writeAndFlush(buffer);
            }
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            // Expected: connection reset by peer. The channel closes itself after I/O errors.
        }

        @Override
        public void channelInactive(HandlerContext ctx) {
            inactive.complete(null);
        }
    }

    private static void assertEchoWorks(InetSocketAddress address) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setSoTimeout(10_000);
            socket.connect(address, 5000);
            byte[] message = "still serving".getBytes(StandardCharsets.US_ASCII);
            socket.getOutputStream().write(message);
            byte[] back = new byte[message.length];
            new DataInputStream(socket.getInputStream()).readFully(back);
            assertArrayEquals(message, back);
        }
    }

    @Test
    void peerResetMidWriteFiresInactiveAndLoopKeepsServing() throws Exception {
        List<Flooder> flooders = new ArrayList<>();
        try (Server flood = Server.builder().group(group).childHandler(ch -> {
                    Flooder f = new Flooder();
                    synchronized (flooders) {
                        flooders.add(f);
                    }
                    ch.pipeline().addLast("flood", f);
                }).bind("127.0.0.1", 0);
             Server echo = Server.builder().group(group)
                     .childHandler(ch -> ch.pipeline().addLast("echo", new EchoHandler())).bind("127.0.0.1", 0)) {
            Socket victim = new Socket();
            victim.connect(flood.localAddress(), 5000);
            InputStream in = victim.getInputStream();
            in.readNBytes(100_000); // the server is mid-write now
            victim.setSoLinger(true, 0); // close with RST
            victim.close();
            Flooder flooder;
            synchronized (flooders) {
                flooder = flooders.get(0);
            }
            flooder.inactive.get(10, TimeUnit.SECONDS);
            assertEchoWorks(echo.localAddress());
        }
    }

    @Test
    void peerHalfCloseClosesChannelByDefault() throws Exception {
        CompletableFuture<Void> inactive = new CompletableFuture<>();
        try (Server server = Server.builder().group(group).childHandler(ch -> ch.pipeline().addLast("watch",
                new Handler() {
                    @Override
                    public void channelInactive(HandlerContext ctx) {
                        inactive.complete(null);
                    }
                })).bind("127.0.0.1", 0);
             Socket socket = new Socket()) {
            socket.connect(server.localAddress(), 5000);
            socket.shutdownOutput();
            inactive.get(10, TimeUnit.SECONDS);
            socket.setSoTimeout(10_000);
            assertEquals(-1, socket.getInputStream().read(), "server should have closed its side");
        }
    }

    @Test
    void halfClosureAllowedLetsServerAnswerAfterPeerFinished() throws Exception {
        try (Server server = Server.builder().group(group)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(ch -> ch.pipeline().addLast("count", new Handler() {
                    long bytes;

                    @Override
                    public void channelRead(HandlerContext ctx, Object msg) {
                        bytes += ((Buffer) msg).readableBytes();
                        ((Buffer) msg).release();
                    }

                    @Override
                    public void userEvent(HandlerContext ctx, Object event) {
                        if (event == ChannelInputShutdownEvent.INSTANCE) {
                            ctx.writeAndFlush(ctx.alloc().copyOf("got " + bytes, StandardCharsets.US_ASCII));
                            ((TcpChannel) ctx.channel()).shutdownOutput();
                        }
                    }
                })).bind("127.0.0.1", 0);
             Socket socket = new Socket()) {
            socket.setSoTimeout(10_000);
            socket.connect(server.localAddress(), 5000);
            OutputStream out = socket.getOutputStream();
            out.write(new byte[12345]);
            socket.shutdownOutput();
            String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertEquals("got 12345", reply);
        }
    }

    @Test
    void clientShutdownOutputSendsFinAfterQueuedData() throws Exception {
        try (Server server = Server.builder().group(group).childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(ch -> ch.pipeline().addLast("echo", new EchoHandler())
                        .addLast("fin", new Handler() {
                            @Override
                            public void userEvent(HandlerContext ctx, Object event) {
                                ((TcpChannel) ctx.channel()).shutdownOutput();
                            }
                        }))
                .bind("127.0.0.1", 0)) {
            byte[] payload = new byte[300_000];
            new Random(7).nextBytes(payload);
            Collector collector = new Collector(payload.length);
            TcpChannel channel = Client.builder().group(clientGroup)
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .handler(ch -> ch.pipeline().addLast("collect", collector))
                    .connect(server.localAddress()).get(5, TimeUnit.SECONDS);
            channel.write(channel.allocator().copyOf(payload));
            channel.flush();
            channel.shutdownOutput().get(10, TimeUnit.SECONDS);
            assertArrayEquals(payload, collector.done().get(10, TimeUnit.SECONDS));
            channel.closeFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void fileRegionIsSentZeroCopy(@TempDir Path dir) throws Exception {
        byte[] content = new byte[3_000_000];
        new Random(11).nextBytes(content);
        Path file = dir.resolve("data.bin");
        Files.write(file, content);
        try (Server server = Server.builder().group(group).childHandler(ch -> ch.pipeline().addLast("send",
                new Handler() {
                    @Override
                    public void channelActive(HandlerContext ctx) throws IOException {
                        ctx.write(ctx.alloc().copyOf("HDR:", StandardCharsets.US_ASCII));
                        ctx.writeAndFlush(FileRegion.of(file));
                        ctx.writeAndFlush(ctx.alloc().copyOf(":END", StandardCharsets.US_ASCII));
                    }
                })).bind("127.0.0.1", 0);
             Socket socket = new Socket()) {
            socket.setSoTimeout(10_000);
            socket.connect(server.localAddress(), 5000);
            byte[] received = new DataInputStream(socket.getInputStream()).readNBytes(content.length + 8);
            assertEquals("HDR:", new String(received, 0, 4, StandardCharsets.US_ASCII));
            assertArrayEquals(content, java.util.Arrays.copyOfRange(received, 4, 4 + content.length));
            assertEquals(":END", new String(received, 4 + content.length, 4, StandardCharsets.US_ASCII));
        }
    }

    @Test
    void connectTimeoutFailsWithTypedException() throws Exception {
        // A listener that never accepts, with a backlog of 1: further SYNs are dropped and connects hang.
        try (Server server = Server.builder().group(group).option(ChannelOption.SO_BACKLOG, 1)
                .option(ChannelOption.AUTO_READ, false)
                .childHandler(ch -> { }).bind("127.0.0.1", 0)) {
            Client client = Client.builder().group(clientGroup).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 300);
            List<TcpChannel> connected = new ArrayList<>();
            Throwable failure = null;
            for (int i = 0; i < 16 && failure == null; i++) {
                try {
                    connected.add(client.connect(server.localAddress()).get(10, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    failure = e.getCause();
                }
            }
            for (TcpChannel channel : connected) {
                channel.close().get(5, TimeUnit.SECONDS);
            }
            assertInstanceOf(ConnectTimeoutException.class, failure, "expected a connect timeout, got " + failure);
            assertTrue(failure.getMessage().contains("300 ms"), failure.getMessage());
        }
    }

    @Test
    void connectionRefusedFailsTheFuture() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        CompletableFuture<TcpChannel> future = Client.builder().group(clientGroup).connect("127.0.0.1", port);
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS));
        assertInstanceOf(java.net.ConnectException.class, e.getCause());
        assertEquals(0, clientGroup.loops().get(0).channelCount());
    }

    @Test
    void gracefulShutdownClosesConnectionsAndRejectsLateTasks() throws Exception {
        EventLoopGroup own = new EventLoopGroup(2);
        Server server = Server.builder().group(own)
                .childHandler(ch -> ch.pipeline().addLast("echo", new EchoHandler())).bind("127.0.0.1", 0);
        try (Socket socket = new Socket()) {
            socket.setSoTimeout(10_000);
            socket.connect(server.localAddress(), 5000);
            socket.getOutputStream().write(1);
            assertEquals(1, socket.getInputStream().read());
            own.shutdownGracefully(5, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
            assertTrue(own.isTerminated());
            assertEquals(-1, socket.getInputStream().read(), "connection should be closed by shutdown");
            assertTrue(server.channel().closeFuture().isDone());
            assertThrows(java.util.concurrent.RejectedExecutionException.class,
                    () -> own.loops().get(0).execute(() -> { }));
        }
    }
}
