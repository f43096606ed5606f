package io.weft.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import io.weft.testing.log.LogCapture;
import org.slf4j.event.Level;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HealthCheckerTest {

    private static final HealthCheck FAST = HealthCheck.http("/health").withInterval(Duration.ofMillis(50))
            .withTimeout(Duration.ofMillis(500)).withThresholds(3, 2);

    /** Answers every request with the current status line and closes; records request heads. */
    static final class StatusServer implements Handler {
        final AtomicReference<String> status;
        final ConcurrentLinkedQueue<String> requests;
        final AtomicInteger silent;

        StatusServer(AtomicReference<String> status, ConcurrentLinkedQueue<String> requests, AtomicInteger silent) {
            this.status = status;
            this.requests = requests;
            this.silent = silent;
        }

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            Buffer buffer = (Buffer) msg;
            requests.add(buffer.toString(StandardCharsets.US_ASCII));
            buffer.release();
            if (silent.get() > 0) {
                return; // never answers: the check must time out
            }
            byte[] answer = (status.get() + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            Buffer out = ctx.alloc().allocate(answer.length);
            out.writeBytes(answer);
            ctx.writeAndFlush(out);
        }
    }

    @Test
    void httpCheckTakesBackendDownAfterFallAndBackAfterRise() throws Exception {
        AtomicReference<String> status = new AtomicReference<>("HTTP/1.1 200 OK");
        ConcurrentLinkedQueue<String> requests = new ConcurrentLinkedQueue<>();
        AtomicInteger silent = new AtomicInteger();
        try (LogCapture logs = LogCapture.start(); // the DOWN lines are expected, not printed
                EventLoopGroup group = new EventLoopGroup(1);
                Server server = Server.builder().group(group)
                        .childHandler(ch -> ch.pipeline().addLast(new StatusServer(status, requests, silent)))
                        .bind("127.0.0.1", 0)) {
            BackendSet set = new BackendSet(BalanceStrategy.roundRobin());
            Backend backend = set.add(new InetSocketAddress("127.0.0.1", server.port()));
            try (HealthChecker checker = HealthChecker.start(set, FAST, group)) {
                waitFor(() -> requests.size() >= 3);
                assertEquals(Backend.State.UP, backend.state());
                String first = requests.peek();
                assertTrue(first.startsWith("GET /health HTTP/1.1\r\n"), first);
                assertTrue(first.contains("\r\nHost: 127.0.0.1:" + server.port() + "\r\n"), first);

                status.set("HTTP/1.1 503 Service Unavailable");
                waitFor(() -> backend.state() == Backend.State.DOWN);
                assertEquals(null, set.select(), "a down backend takes no connections");

                status.set("HTTP/1.0 204 No Content");
                int before = requests.size();
                waitFor(() -> backend.state() == Backend.State.UP);
                assertTrue(requests.size() - before >= 3, "came back only after rise = 3 good checks");

                silent.set(1); // accepts, reads, never answers
                waitFor(() -> backend.state() == Backend.State.DOWN);
            }
            long downs = logs.at(Level.WARN).stream().filter(e -> e.message().contains("is DOWN")).count();
            assertEquals(2, downs, logs::dump);
            assertTrue(logs.at(Level.INFO).stream().anyMatch(e -> e.message().contains("is UP")), logs::dump);
        }
    }

    @Test
    void checksBackendsAddedLaterAndStopsForRemovedOnes() throws Exception {
        AtomicReference<String> status = new AtomicReference<>("HTTP/1.1 500 Oops");
        ConcurrentLinkedQueue<String> requests = new ConcurrentLinkedQueue<>();
        try (LogCapture logs = LogCapture.start();
                EventLoopGroup group = new EventLoopGroup(1);
                Server server = Server.builder().group(group)
                        .childHandler(ch -> ch.pipeline().addLast(new StatusServer(status, requests,
                                new AtomicInteger())))
                        .bind("127.0.0.1", 0)) {
            BackendSet set = new BackendSet(BalanceStrategy.roundRobin());
            try (HealthChecker checker = HealthChecker.start(set, FAST, group)) {
                Backend late = set.add(new InetSocketAddress("127.0.0.1", server.port()));
                waitFor(() -> late.state() == Backend.State.DOWN);
                set.remove(late);
                Thread.sleep(600); // longer than the check timeout: an attempt in flight has finished
                int count = requests.size();
                Thread.sleep(300); // six intervals: no more checks of a removed backend
                assertEquals(count, requests.size());
            }
        }
    }

    @Test
    void rejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> HealthCheck.http("health"));
        assertThrows(IllegalArgumentException.class, () -> HealthCheck.http("/a b"));
        assertThrows(IllegalArgumentException.class, () -> HealthCheck.tcp().withThresholds(0, 1));
        assertThrows(IllegalArgumentException.class, () -> HealthCheck.tcp().withJitter(1.5));
        assertThrows(IllegalArgumentException.class, () -> HealthCheck.tcp().withInterval(Duration.ZERO));
    }

    static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(5);
        }
    }
}
