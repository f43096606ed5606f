package io.weft.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.buffer.BufferAllocator;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import io.weft.testing.EchoHandler;
import java.io.InputStream;
import java.net.Socket;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A fault or a misuse fails one channel, cleanly and with the right error; the loop and other channels go on. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChannelFailureTest {

    private EventLoopGroup group;

    @BeforeEach
    void start() {
        group = new EventLoopGroup(1);
    }

    @AfterEach
    void stop() {
        group.close();
    }

    /** An allocator whose every allocation fails as a full direct-memory pool does. */
    private static final class ExhaustedAllocator implements BufferAllocator {
        final AtomicInteger attempts = new AtomicInteger();

        @Override
        public Buffer allocate(int initialCapacity, int maxCapacity) {
            attempts.incrementAndGet();
            throw new OutOfMemoryError("Cannot reserve " + initialCapacity + " bytes of direct buffer memory (test)");
        }
    }

    /** Records what one channel's pipeline saw. */
    private static final class Watcher implements Handler {
        final CompletableFuture<Throwable> failure = new CompletableFuture<>();
        final CompletableFuture<Void> inactive = new CompletableFuture<>();

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            failure.complete(cause);
        }

        @Override
        public void channelInactive(HandlerContext ctx) {
            inactive.complete(null);
            ctx.fireChannelInactive();
        }
    }

    private static byte[] readUntilEof(Socket socket) throws Exception {
        InputStream in = socket.getInputStream();
        return in.readAllBytes();
    }

    @Test
    void allocationFailureOnReadFailsOnlyThatConnection() throws Exception {
        ExhaustedAllocator exhausted = new ExhaustedAllocator();
        Watcher watcher = new Watcher();
        AtomicInteger accepted = new AtomicInteger();
        try (Server server = Server.builder().group(group).childHandler(ch -> {
            if (accepted.getAndIncrement() == 0) {
                ch.setOption(ChannelOption.ALLOCATOR, exhausted);
                ch.pipeline().addLast("watch", watcher);
            } else {
                ch.pipeline().addLast("echo", new EchoHandler());
            }
        }).bind("127.0.0.1", 0)) {
            try (Socket victim = new Socket()) {
                victim.setSoTimeout(20_000);
                victim.connect(server.localAddress());
                victim.getOutputStream().write("data".getBytes(StandardCharsets.US_ASCII));
                // The server closes this connection: the peer sees EOF instead of hanging.
                assertEquals(0, readUntilEof(victim).length);
            }
            Throwable cause = watcher.failure.get(10, TimeUnit.SECONDS);
            assertInstanceOf(OutOfMemoryError.class, cause);
            watcher.inactive.get(10, TimeUnit.SECONDS);
            assertTrue(exhausted.attempts.get() >= 1);

            // The loop and the next connection are unaffected.
            try (Socket other = new Socket()) {
                other.setSoTimeout(20_000);
                other.connect(server.localAddress());
                other.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
                byte[] echoed = other.getInputStream().readNBytes(5);
                assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), echoed);
            }
        }
    }

    private TcpChannel connectedClient(Server server, Handler handler) throws Exception {
        return Client.builder().group(group).handler(ch -> {
            if (handler != null) {
                ch.pipeline().addLast("h", handler);
            }
        }).connect(server.localAddress()).get(10, TimeUnit.SECONDS);
    }

    @Test
    void writeAfterCloseFailsWithClosedChannelExceptionAndReleases() throws Exception {
        try (Server server = Server.builder().group(group).childHandler(ch -> { }).bind("127.0.0.1", 0)) {
            TcpChannel channel = connectedClient(server, null);
            channel.close().get(10, TimeUnit.SECONDS);

            // No encoder is left in the pipeline: the error must still be the closed channel, not the type.
            CompletableFuture<Void> stringWrite = channel.newPromise();
            channel.writeAndFlush("hello", stringWrite);
            ExecutionException e = assertThrows(ExecutionException.class, () -> stringWrite.get(10, TimeUnit.SECONDS));
            assertInstanceOf(ClosedChannelException.class, e.getCause());

            Buffer buffer = channel.allocator().copyOf(new byte[] {1, 2, 3});
            CompletableFuture<Void> bufferWrite = channel.newPromise();
            channel.writeAndFlush(buffer, bufferWrite);
            e = assertThrows(ExecutionException.class, () -> bufferWrite.get(10, TimeUnit.SECONDS));
            assertInstanceOf(ClosedChannelException.class, e.getCause());
            assertEquals(0, buffer.refCnt(), "the message written after close is released");

            Buffer unobserved = channel.allocator().copyOf(new byte[] {4});
            channel.writeAndFlush(unobserved);
            CompletableFuture<Integer> refCnt = new CompletableFuture<>();
            channel.loop().execute(() -> refCnt.complete(unobserved.refCnt()));
            assertEquals(0, refCnt.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void closeInsideChannelReadDeliversInactiveAfterTheCallbackReturns() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> inactive = new CompletableFuture<>();
        try (Server server = Server.builder().group(group).childHandler(ch -> ch.pipeline().addLast("closer",
                new Handler() {
                    @Override
                    public void channelRead(HandlerContext ctx, Object msg) {
                        ((Buffer) msg).release();
                        events.add("read:start");
                        ctx.close();
                        events.add("write-after-close:" + ctx.channel().isWritable());
                        events.add("read:end");
                    }

                    @Override
                    public void channelInactive(HandlerContext ctx) {
                        events.add("inactive");
                        inactive.complete(null);
                    }
                })).bind("127.0.0.1", 0);
             Socket socket = new Socket()) {
            socket.connect(server.localAddress());
            socket.getOutputStream().write(1);
            inactive.get(10, TimeUnit.SECONDS);
            assertEquals(List.of("read:start", "write-after-close:false", "read:end", "inactive"), events);
        }
    }

    @Test
    void loopOnlyMethodsRefuseOtherThreads() throws Exception {
        try (Server server = Server.builder().group(group).childHandler(ch -> { }).bind("127.0.0.1", 0)) {
            TcpChannel channel = connectedClient(server, null);
            // closeNow is the loop-only core of close(); the public close() hands it to the loop.
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> channel.closeNow(null));
            assertTrue(e.getMessage().contains("event loop"), e.getMessage());
            assertTrue(channel.isOpen(), "the refused call changed nothing");
            channel.close().get(10, TimeUnit.SECONDS);
            assertFalse(channel.isActive());
        }
    }

    @Test
    void errorThrownByAHandlerIsReportedThenClosesTheChannel() throws Exception {
        Watcher watcher = new Watcher();
        try (Server server = Server.builder().group(group).childHandler(ch -> ch.pipeline()
                .addLast("thrower", new Handler() {
                    @Override
                    public void channelRead(HandlerContext ctx, Object msg) {
                        ((Buffer) msg).release();
                        throw new StackOverflowError("thrown by the test");
                    }
                }).addLast("watch", watcher)).bind("127.0.0.1", 0);
             Socket socket = new Socket()) {
            socket.setSoTimeout(20_000);
            socket.connect(server.localAddress());
            socket.getOutputStream().write(1);
            assertEquals(0, readUntilEof(socket).length, "the server closed the connection");
            assertInstanceOf(StackOverflowError.class, watcher.failure.get(10, TimeUnit.SECONDS));
            watcher.inactive.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void invalidOptionValueIsRefusedBeforeItIsStored() throws Exception {
        try (Server server = Server.builder().group(group).childHandler(ch -> { }).bind("127.0.0.1", 0)) {
            TcpChannel channel = connectedClient(server, null);
            channel.setOption(ChannelOption.MAX_READS_PER_EVENT, 4);
            assertThrows(IllegalArgumentException.class,
                    () -> channel.setOption(ChannelOption.MAX_READS_PER_EVENT, 0));
            assertEquals(4, channel.option(ChannelOption.MAX_READS_PER_EVENT));
            channel.close().get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Deferring is for the pipeline whose handler is running: closing (and waiting for) another channel on the
     * same loop, here the listening one, completes at once instead of deadlocking the loop.
     */
    @Test
    void handlerCanCloseAnotherChannelOfItsLoopAndWait() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Server> self = new java.util.concurrent.atomic.AtomicReference<>();
        CompletableFuture<Boolean> closedInside = new CompletableFuture<>();
        Server server = Server.builder().group(group).childHandler(ch -> ch.pipeline().addLast("stopper",
                new Handler() {
                    @Override
                    public void channelRead(HandlerContext ctx, Object msg) {
                        ((Buffer) msg).release();
                        self.get().close();
                        closedInside.complete(!self.get().channel().isOpen());
                    }
                })).bind("127.0.0.1", 0);
        self.set(server);
        try (Socket socket = new Socket()) {
            socket.connect(server.localAddress());
            socket.getOutputStream().write(1);
            assertTrue(closedInside.get(10, TimeUnit.SECONDS));
            server.closeFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void allocationFailureOnUdpReadFailsOnlyThatChannel() throws Exception {
        ExhaustedAllocator exhausted = new ExhaustedAllocator();
        Watcher watcher = new Watcher();
        UdpChannel victim = io.weft.bootstrap.Udp.builder().group(group)
                .option(ChannelOption.ALLOCATOR, exhausted)
                .handler(ch -> ch.pipeline().addLast("watch", watcher))
                .bind("127.0.0.1", 0).get(10, TimeUnit.SECONDS);
        CompletableFuture<String> echoed = new CompletableFuture<>();
        UdpChannel healthy = io.weft.bootstrap.Udp.builder().group(group)
                .handler(ch -> ch.pipeline().addLast("take", new Handler() {
                    @Override
                    public void channelRead(HandlerContext ctx, Object msg) {
                        Datagram datagram = (Datagram) msg;
                        echoed.complete(datagram.content().toString(StandardCharsets.US_ASCII));
                        datagram.release();
                    }
                }))
                .bind("127.0.0.1", 0).get(10, TimeUnit.SECONDS);
        UdpChannel sender = io.weft.bootstrap.Udp.builder().group(group).bind("127.0.0.1", 0)
                .get(10, TimeUnit.SECONDS);
        try {
            sender.writeAndFlush(new Datagram(sender.allocator().copyOf("x", StandardCharsets.US_ASCII),
                    victim.localAddress()));
            assertInstanceOf(OutOfMemoryError.class, watcher.failure.get(10, TimeUnit.SECONDS));
            victim.closeFuture().get(10, TimeUnit.SECONDS);
            watcher.inactive.get(10, TimeUnit.SECONDS);
            sender.writeAndFlush(new Datagram(sender.allocator().copyOf("still here", StandardCharsets.US_ASCII),
                    healthy.localAddress()));
            assertEquals("still here", echoed.get(10, TimeUnit.SECONDS));
        } finally {
            sender.close().get(10, TimeUnit.SECONDS);
            healthy.close().get(10, TimeUnit.SECONDS);
        }
    }
}
