package io.weft.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.balance.Backend;
import io.weft.balance.BackendSet;
import io.weft.balance.BalanceStrategy;
import io.weft.balance.HealthCheck;
import io.weft.balance.HealthChecker;
import io.weft.bootstrap.Server;
import io.weft.loop.EventLoopGroup;
import io.weft.testing.log.LogCapture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kill one of three backends under steady load: once the health checks have marked it down no client connection
 * fails (and connect retries hide it even before); bring it back on the same port: it rejoins after {@code rise}
 * good checks and takes connections again.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TcpProxyFailoverTest {

    private static final Duration INTERVAL = Duration.ofMillis(100);
    private static final int RISE = 2;
    private static final int FALL = 2;

    @Test
    void killedBackendIsTakenOutAndRejoinsAfterRiseChecks() throws Exception {
        HealthCheck check = HealthCheck.tcp().withInterval(INTERVAL).withTimeout(Duration.ofMillis(500))
                .withJitter(0.2).withThresholds(RISE, FALL);
        try (LogCapture logs = LogCapture.start(); // the DOWN line is expected, not printed
                EventLoopGroup group = new EventLoopGroup(2); TestBackends backends = new TestBackends(3)) {
            BackendSet set = new BackendSet(BalanceStrategy.roundRobin());
            for (int i = 0; i < 3; i++) {
                set.add(backends.address(i));
            }
            Backend victim = set.backends().get(1);
            try (HealthChecker checker = HealthChecker.start(set, check, group);
                    Server server = Server.builder().group(group).childHandler(TcpProxy.builder(set).build())
                            .bind("127.0.0.1", 0)) {
                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong successes = new AtomicLong();
                ConcurrentLinkedQueue<long[]> failures = new ConcurrentLinkedQueue<>(); // {start, end} nanos
                List<Thread> load = new ArrayList<>();
                for (int t = 0; t < 6; t++) {
                    Thread thread = new Thread(() -> {
                        while (!stop.get()) {
                            long start = System.nanoTime();
                            try {
                                TestBackends.roundTrip(server.port());
                                successes.incrementAndGet();
                            } catch (Exception e) {
                                failures.add(new long[] {start, System.nanoTime()});
                            }
                        }
                    }, "load-" + t);
                    thread.start();
                    load.add(thread);
                }
                try {
                    long warm = successes.get();
                    TcpProxyTest.waitFor(() -> successes.get() > warm + 300);
                    assertTrue(failures.isEmpty(), "no failures before the kill");

                    long killed = System.nanoTime();
                    backends.kill(1);
                    TcpProxyTest.waitFor(() -> victim.state() == Backend.State.DOWN);
                    long down = System.nanoTime();
                    assertTrue(down - killed < TimeUnit.SECONDS.toNanos(10), "marked down within 10 s");
                    long atDown = successes.get();
                    TcpProxyTest.waitFor(() -> successes.get() > atDown + 500);
                    for (long[] failure : failures) {
                        assertTrue(failure[0] < down, "a connection started after the backend was marked down"
                                + " failed");
                    }
                    int acceptedWhileDown = backends.accepted(1);

                    backends.start(1); // same port
                    long restarted = System.nanoTime();
                    TcpProxyTest.waitFor(() -> victim.state() == Backend.State.UP);
                    long up = System.nanoTime();
                    // rise good checks, at least one jittered interval apart
                    long minRejoin = (long) ((RISE - 1) * INTERVAL.toNanos() * (1 - check.jitter()));
                    assertTrue(up - restarted >= minRejoin, "rejoined after " + (up - restarted) / 1_000_000
                            + " ms, before " + RISE + " checks could pass");
                    TcpProxyTest.waitFor(() -> backends.accepted(1) > acceptedWhileDown + 50);
                    int failuresBeforeRejoin = failures.size();
                    long atUp = successes.get();
                    TcpProxyTest.waitFor(() -> successes.get() > atUp + 300);
                    assertEquals(failuresBeforeRejoin, failures.size(), "no failures after the rejoin");
                } finally {
                    stop.set(true);
                    for (Thread thread : load) {
                        thread.join(30_000);
                    }
                }
            }
        }
    }
}
