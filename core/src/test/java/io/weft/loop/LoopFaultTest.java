package io.weft.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Server;
import io.weft.internal.loop.IoHandler;
import io.weft.testing.EchoHandler;
import io.weft.testing.log.LogCapture;
import io.weft.testing.log.LogEvent;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.event.Level;

/** The loop thread survives faults in tasks, timers, dispatch and select, and keeps serving its channels. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoopFaultTest {

    private EventLoopGroup group;
    private EventLoop loop;
    private Server server;

    @BeforeEach
    void start() {
        group = new EventLoopGroup(1);
        loop = group.next();
        server = Server.builder().group(group)
                .childHandler(ch -> ch.pipeline().addLast("echo", new EchoHandler()))
                .bind("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        server.close();
        group.close();
    }

    @Test
    void loopKeepsServingOldAndNewConnectionsAfterInjectedFaults() throws Exception {
        try (LogCapture logs = LogCapture.start(); Socket existing = connect()) {
            assertEchoes(existing, "before");

            // A task and a timer that throw Errors.
            loop.execute(() -> {
                throw new AssertionError("injected task fault");
            });
            CountDownLatch timerRan = new CountDownLatch(1);
            loop.schedule(() -> {
                timerRan.countDown();
                throw new StackOverflowError("injected timer fault");
            }, 1, TimeUnit.MILLISECONDS);
            assertTrue(timerRan.await(10, TimeUnit.SECONDS));

            // A readiness handler that throws on every dispatch: the loop closes it instead of spinning on it.
            Pipe pipe = Pipe.open();
            CompletableFuture<Void> closedByLoop = new CompletableFuture<>();
            ThrowingHandler throwing = new ThrowingHandler(pipe, closedByLoop);
            loop.register(pipe.source(), SelectionKey.OP_READ, throwing);
            pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
            closedByLoop.get(10, TimeUnit.SECONDS);
            assertEquals(1, throwing.dispatches, "a handler that threw must not be dispatched again");
            pipe.sink().close();

            // select() itself fails repeatedly: the loop backs off and rebuilds its selector.
            CompletableFuture<Void> injected = new CompletableFuture<>();
            loop.execute(() -> {
                loop.injectedSelectFailures = EventLoop.FAILURE_REBUILD_THRESHOLD + 1;
                injected.complete(null);
            });
            injected.get(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (loop.selectorRebuilds() == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertTrue(loop.selectorRebuilds() >= 1, "the selector was not rebuilt");
            assertFalse(loop.isTerminated());

            // The connection registered with the old selector still echoes; new connections are accepted.
            assertEchoes(existing, "after");
            try (Socket fresh = connect()) {
                assertEchoes(fresh, "new");
            }
            // Framework faults are reported as such: WARN with the trace.
            List<LogEvent> warnings = logs.at(Level.WARN);
            assertTrue(warnings.stream().anyMatch(e -> e.message().equals("task threw")
                    && e.throwable() instanceof AssertionError), logs::dump);
            assertTrue(warnings.stream().anyMatch(e -> e.message().equals("scheduled task threw")
                    && e.throwable() instanceof StackOverflowError), logs::dump);
            assertTrue(warnings.stream().anyMatch(e -> e.message().contains("dispatching readiness")
                    && e.throwable() instanceof OutOfMemoryError), logs::dump);
            assertTrue(warnings.stream().anyMatch(e -> e.message().contains("rebuilt its selector")), logs::dump);
        }
    }

    @Test
    void explicitRebuildMovesChannelsWithTheirInterest() throws Exception {
        try (LogCapture logs = LogCapture.start(); Socket a = connect(); Socket b = connect()) {
            assertEchoes(a, "a1");
            assertTrue(loop.selectedKeys() >= 2, "an accept and a read were dispatched: " + loop.selectedKeys());
            assertTrue(loop.selectCount() >= 1);
            CompletableFuture<Void> rebuilt = new CompletableFuture<>();
            loop.execute(() -> {
                loop.rebuildSelector("test");
                rebuilt.complete(null);
            });
            rebuilt.get(10, TimeUnit.SECONDS);
            assertEquals(1, loop.selectorRebuilds());
            assertEchoes(a, "a2");
            assertEchoes(b, "b1");
            try (Socket c = connect()) {
                assertEchoes(c, "c1");
            }
        }
    }

    @Test
    void selectorThatKeepsReturningEarlyIsRebuilt() throws Exception {
        try (LogCapture logs = LogCapture.start(); Socket a = connect()) {
            assertEchoes(a, "before");
            CompletableFuture<Integer> rebuilds = new CompletableFuture<>();
            loop.execute(() -> {
                // What the loop sees when epoll spins: blocking selects that return at once with nothing selected.
                for (int i = 0; i < EventLoop.SPIN_REBUILD_THRESHOLD - 1; i++) {
                    loop.checkSpin(0, System.nanoTime(), -1);
                }
                int before = loop.selectorRebuilds();
                loop.checkSpin(0, System.nanoTime(), -1);
                rebuilds.complete(loop.selectorRebuilds() - before);
            });
            assertEquals(1, rebuilds.get(10, TimeUnit.SECONDS));
            assertEchoes(a, "after");
            assertTrue(logs.at(Level.WARN).stream().anyMatch(e -> e.message().contains("returned early")), logs::dump);
        }
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static void assertEchoes(Socket socket, String text) throws IOException {
        byte[] sent = text.getBytes(StandardCharsets.US_ASCII);
        socket.getOutputStream().write(sent);
        byte[] received = new byte[sent.length];
        InputStream in = socket.getInputStream();
        int n = 0;
        while (n < received.length) {
            int r = in.read(received, n, received.length - n);
            if (r < 0) {
                throw new IOException("closed after " + n + " bytes");
            }
            n += r;
        }
        assertArrayEquals(sent, received);
    }

    private static final class ThrowingHandler implements IoHandler {
        private final Pipe pipe;
        private final CompletableFuture<Void> closed;
        private SelectionKey key;
        volatile int dispatches;

        ThrowingHandler(Pipe pipe, CompletableFuture<Void> closed) {
            this.pipe = pipe;
            this.closed = closed;
        }

        @Override
        public void registered(SelectionKey selectionKey) {
            key = selectionKey;
        }

        @Override
        public void registrationFailed(Throwable cause) {
            closed.completeExceptionally(cause);
        }

        @Override
        public void ready(SelectionKey selectionKey) {
            dispatches++;
            throw new OutOfMemoryError("injected dispatch fault");
        }

        @Override
        public void selectorRebuilt(SelectionKey newKey) {
            key = newKey;
        }

        @Override
        public void closeForShutdown() {
            try {
                pipe.source().close();
            } catch (IOException ignored) {
                // The test only checks that the loop asked.
            }
            if (key != null) {
                key.cancel();
            }
            closed.complete(null);
        }
    }
}
