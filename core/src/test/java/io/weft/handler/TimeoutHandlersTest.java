package io.weft.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.ChannelInitializer;
import io.weft.channel.ChannelOption;
import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import io.weft.testing.EchoHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TimeoutHandlersTest {

    private static final long TOLERANCE_MILLIS = IdleStateHandlerTest.TOLERANCE_MILLIS;

    private static EventLoopGroup serverGroup;
    private static EventLoopGroup clientGroup;
    private final List<TcpChannel> clients = new ArrayList<>();
    private Server server;

    @BeforeAll
    static void startGroups() {
        serverGroup = new EventLoopGroup(1);
        clientGroup = new EventLoopGroup(1);
    }

    @AfterAll
    static void stopGroups() {
        clientGroup.close();
        serverGroup.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (TcpChannel client : clients) {
            client.close().get(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
    }

    /** Records exceptions (with their time) and releases anything read. */
    static final class Errors implements Handler {
        final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
        volatile long firstErrorNanos;
        final CompletableFuture<Void> inactive = new CompletableFuture<>();

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            ReferenceCounted.safeRelease(msg);
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            if (errors.isEmpty()) {
                firstErrorNanos = System.nanoTime();
            }
            errors.add(cause);
        }

        @Override
        public void channelInactive(HandlerContext ctx) {
            inactive.complete(null);
        }
    }

    private void server(ChannelInitializer init, boolean autoRead) {
        server = Server.builder().group(serverGroup).childHandler(init)
                .childOption(ChannelOption.AUTO_READ, autoRead).bind("127.0.0.1", 0);
    }

    private TcpChannel connect(ChannelInitializer init) throws Exception {
        TcpChannel channel = Client.builder().group(clientGroup).handler(init)
                .connect(server.localAddress()).get(10, TimeUnit.SECONDS);
        clients.add(channel);
        return channel;
    }

    @Test
    void readTimeoutClosesSilentConnectionWithTypedExceptionWithinTolerance() throws Exception {
        Errors errors = new Errors();
        server(ch -> ch.pipeline()
                .addLast("readTimeout", new ReadTimeoutHandler(300, TimeUnit.MILLISECONDS))
                .addLast("errors", errors), true);
        long start = System.nanoTime();
        TcpChannel client = connect(ch -> { });
        Throwable error = errors.errors.poll(300 + TOLERANCE_MILLIS, TimeUnit.MILLISECONDS);
        ReadTimeoutException timeout = assertInstanceOf(ReadTimeoutException.class, error);
        assertEquals(300, timeout.timeoutMillis());
        assertTrue(timeout.getMessage().contains("300 ms"), timeout.getMessage());
        long elapsed = TimeUnit.NANOSECONDS.toMillis(errors.firstErrorNanos - start);
        assertTrue(elapsed >= 300, "fired after " + elapsed + " ms");
        errors.inactive.get(5, TimeUnit.SECONDS);
        client.closeFuture().get(5, TimeUnit.SECONDS); // the server closed: the client sees EOF
        Thread.sleep(700);
        assertTrue(errors.errors.isEmpty(), "fired again after close: " + errors.errors);
    }

    @Test
    void readTimeoutLeavesAConnectionThatKeepsSendingOpen() throws Exception {
        Errors errors = new Errors();
        server(ch -> ch.pipeline()
                .addLast("readTimeout", new ReadTimeoutHandler(800, TimeUnit.MILLISECONDS))
                .addLast("errors", errors), true);
        TcpChannel client = connect(ch -> { });
        for (int i = 0; i < 20; i++) {
            client.writeAndFlush(client.allocator().copyOf(new byte[] {(byte) i}));
            Thread.sleep(100);
        }
        assertNull(errors.errors.poll(), "timed out although a byte arrived every 100 ms");
        assertTrue(client.isActive());
        // Once the client goes quiet, the timeout applies.
        assertInstanceOf(ReadTimeoutException.class, errors.errors.poll(800 + TOLERANCE_MILLIS, TimeUnit.MILLISECONDS));
    }

    @Test
    void writeTimeoutClosesWhenThePeerStopsReading() throws Exception {
        server(ch -> { }, false); // accepted connections never read: the client's writes back up
        Errors errors = new Errors();
        TcpChannel client = connect(ch -> ch.pipeline()
                .addLast("writeTimeout", new WriteTimeoutHandler(500, TimeUnit.MILLISECONDS))
                .addLast("errors", errors));
        CompletableFuture<Void> last = client.newPromise();
        client.loop().execute(() -> {
            for (int i = 0; i < 63; i++) {
                client.write(client.allocator().allocate(1 << 20).writeZero(1 << 20));
            }
            client.writeAndFlush(client.allocator().allocate(1 << 20).writeZero(1 << 20), last);
        });
        Throwable error = errors.errors.poll(500 + TOLERANCE_MILLIS, TimeUnit.MILLISECONDS);
        WriteTimeoutException timeout = assertInstanceOf(WriteTimeoutException.class, error);
        assertEquals(500, timeout.timeoutMillis());
        assertTrue(timeout.pendingMillis() >= 500, "pending " + timeout.pendingMillis() + " ms");
        errors.inactive.get(5, TimeUnit.SECONDS);
        assertFalse(client.isOpen());
        assertThrows(Exception.class, () -> last.get(5, TimeUnit.SECONDS), "the unwritten write failed");
        Thread.sleep(700);
        assertTrue(errors.errors.isEmpty(), "fired again after close: " + errors.errors);
    }

    @Test
    void writesThatCompleteNeverTimeOut() throws Exception {
        server(ch -> ch.pipeline().addLast("echo", new EchoHandler()), true);
        Errors errors = new Errors();
        WriteTimeoutHandler handler = new WriteTimeoutHandler(300, TimeUnit.MILLISECONDS);
        TcpChannel client = connect(ch -> ch.pipeline()
                .addLast("writeTimeout", handler)
                .addLast("errors", errors));
        for (int i = 0; i < 20; i++) {
            client.writeAndFlush(client.allocator().copyOf(new byte[] {(byte) i}));
            Thread.sleep(50);
        }
        Thread.sleep(600);
        assertNull(errors.errors.poll(), "a completed write timed out");
        assertTrue(client.isActive());
        CompletableFuture<Integer> pending = new CompletableFuture<>();
        client.loop().execute(() -> pending.complete(handler.pendingWrites()));
        assertEquals(0, pending.get(5, TimeUnit.SECONDS));
    }

    @Test
    void timeoutsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new ReadTimeoutHandler(0, TimeUnit.SECONDS));
        assertThrows(IllegalArgumentException.class, () -> new WriteTimeoutHandler(-1, TimeUnit.SECONDS));
        // All disabled is allowed: it does nothing. Zero or negative times disable a kind.
        IdleStateHandler disabled = new IdleStateHandler(0, 0, 0);
        assertEquals(0, disabled.readerIdleMillis());
        assertEquals(0, disabled.writerIdleMillis());
        assertEquals(0, disabled.allIdleMillis());
        IdleStateHandler negative = new IdleStateHandler(-5, -1, -1, TimeUnit.SECONDS);
        assertEquals(0, negative.readerIdleMillis() + negative.writerIdleMillis() + negative.allIdleMillis());
        IdleStateHandler enabled = new IdleStateHandler(2, 3, 4);
        assertEquals(2000, enabled.readerIdleMillis());
        assertEquals(3000, enabled.writerIdleMillis());
        assertEquals(4000, enabled.allIdleMillis());
    }
}
