package io.weft.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BackendSetTest {

    private static InetSocketAddress address(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    private static String picks(BackendSet set, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            Backend b = set.select();
            sb.append((char) ('a' + b.address().getPort() - 1));
            b.release();
        }
        return sb.toString();
    }

    @Test
    void roundRobinVisitsEachBackendInTurn() {
        BackendSet set = new BackendSet(BalanceStrategy.roundRobin());
        set.add(address(1), 5);
        set.add(address(2));
        set.add(address(3));
        assertEquals("abcabcabc", picks(set, 9));
    }

    @Test
    void smoothWeightedRoundRobinMatchesNginxSequence() {
        BackendSet set = new BackendSet(BalanceStrategy.weightedRoundRobin());
        set.add(address(1), 5);
        set.add(address(2), 1);
        set.add(address(3), 1);
        // The sequence from nginx's commit introducing the smooth algorithm, twice over.
        assertEquals("aabacaa" + "aabacaa", picks(set, 14));
    }

    @Test
    void smoothWeightedRoundRobinGivesExactSharesPerCycle() {
        BackendSet set = new BackendSet(BalanceStrategy.weightedRoundRobin());
        set.add(address(1), 3);
        set.add(address(2), 2);
        set.add(address(3), 1);
        String s = picks(set, 600);
        assertEquals(300, s.chars().filter(c -> c == 'a').count());
        assertEquals(200, s.chars().filter(c -> c == 'b').count());
        assertEquals(100, s.chars().filter(c -> c == 'c').count());
        assertEquals("abacba", s.substring(0, 6)); // worked by hand from the algorithm
    }

    @Test
    void leastConnectionsPicksFewestOpenRelativeToWeight() {
        BackendSet set = new BackendSet(BalanceStrategy.leastConnections());
        Backend a = set.add(address(1), 1);
        Backend b = set.add(address(2), 1);
        Backend c = set.add(address(3), 2);
        List<Backend> held = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            held.add(set.select());
        }
        // Weight 2 takes twice as many: 2 / 2 / 4.
        assertEquals(2, a.activeConnections());
        assertEquals(2, b.activeConnections());
        assertEquals(4, c.activeConnections());
        // Free two on a: the next two go to a.
        held.remove(a);
        a.release();
        held.remove(a);
        a.release();
        assertSame(a, set.select());
        assertSame(a, set.select());
    }

    @Test
    void leastConnectionsRotatesAmongTies() {
        BackendSet set = new BackendSet(BalanceStrategy.leastConnections());
        set.add(address(1));
        set.add(address(2));
        set.add(address(3));
        String s = picks(set, 300); // each released at once: always a three-way tie
        assertEquals(100, s.chars().filter(c -> c == 'a').count());
        assertEquals(100, s.chars().filter(c -> c == 'b').count());
    }

    @Test
    void powerOfTwoNeverPicksTheUniquelyBusiestAndSpreadsTheRest() {
        BackendSet set = new BackendSet(BalanceStrategy.powerOfTwoChoices());
        Backend busy = set.add(address(1));
        set.add(address(2));
        set.add(address(3));
        for (int i = 0; i < 10; i++) {
            assertTrue(busy.tryAcquire());
        }
        Map<Backend, Integer> counts = new HashMap<>();
        for (int i = 0; i < 3000; i++) {
            Backend b = set.select();
            counts.merge(b, 1, Integer::sum);
            b.release();
        }
        assertNull(counts.get(busy));
        for (int n : counts.values()) {
            assertTrue(n > 1200 && n < 1800, "share " + n + " of 3000 between two idle backends");
        }
    }

    @Test
    void powerOfTwoBalancesHeldConnections() {
        BackendSet set = new BackendSet(BalanceStrategy.powerOfTwoChoices());
        List<Backend> backends = List.of(set.add(address(1)), set.add(address(2)), set.add(address(3)),
                set.add(address(4)));
        for (int i = 0; i < 400; i++) {
            set.select(); // held
        }
        for (Backend b : backends) {
            // Two choices keep the maximum load within a few of the mean (100); random choice would not.
            assertTrue(Math.abs(b.activeConnections() - 100) <= 10, b.toString());
        }
    }

    @Test
    void respectsMaxConnectionsAndRetryExclusions() {
        BackendSet set = new BackendSet(BalanceStrategy.roundRobin());
        Backend a = set.add(address(1), 1, 2);
        Backend b = set.add(address(2), 1, 1);
        List<Backend> got = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            got.add(set.select());
        }
        assertNull(set.select(), "all slots taken");
        assertEquals(2, a.activeConnections());
        assertEquals(1, b.activeConnections());
        a.release();
        assertNull(set.select(List.of(a)), "the only free backend is excluded");
        assertSame(a, set.select(List.of(b)));
    }

    @Test
    void drainedAndRemovedBackendsGetNothingNew() {
        BackendSet set = new BackendSet(BalanceStrategy.roundRobin());
        Backend a = set.add(address(1));
        Backend b = set.add(address(2));
        assertTrue(set.drain(a));
        assertEquals(Backend.State.DRAINING, a.state());
        assertEquals("bbbb", picks(set, 4));
        assertTrue(set.resume(a));
        assertEquals(Backend.State.UP, a.state());
        assertTrue(set.remove(b));
        assertEquals("aaa", picks(set, 3));
        assertEquals(List.of(a), set.backends());
        assertTrue(set.remove(a));
        assertNull(set.select());
    }

    @Test
    void unhealthyBackendsAreSkipped() {
        BackendSet set = new BackendSet(BalanceStrategy.weightedRoundRobin());
        Backend a = set.add(address(1), 3);
        set.add(address(2), 1);
        a.setHealthy(false);
        assertEquals(Backend.State.DOWN, a.state());
        assertEquals("bbb", picks(set, 3));
        a.setHealthy(true);
        assertTrue(picks(set, 4).contains("a"));
    }

    @Test
    void parsesHostPortWeightSpecs() {
        BackendSet set = new BackendSet(BalanceStrategy.roundRobin());
        Backend a = set.add("127.0.0.1:8080,5");
        Backend b = set.add("[::1]:81");
        assertEquals(8080, a.address().getPort());
        assertEquals(5, a.weight());
        assertEquals(81, b.address().getPort());
        assertEquals(1, b.weight());
        assertThrows(IllegalArgumentException.class, () -> set.add("nohost"));
        assertThrows(IllegalArgumentException.class, () -> set.add("127.0.0.1:x"));
        assertThrows(IllegalArgumentException.class, () -> set.add("127.0.0.1:80,0"));
        assertThrows(IllegalArgumentException.class, () -> BalanceStrategy.named("random"));
        assertEquals("power-of-two", BalanceStrategy.named("POWER-OF-TWO").toString());
    }

    @Test
    void consecutiveFailuresEjectWithGrowingBackoffAndHalfOpenTrial() throws Exception {
        CircuitBreaker.Settings settings = new CircuitBreaker.Settings(3, Duration.ofMillis(100),
                Duration.ofMillis(250), 1);
        BackendSet set = new BackendSet(BalanceStrategy.roundRobin(), settings);
        Backend a = set.add(address(1));
        Backend b = set.add(address(2));
        a.recordFailure();
        a.recordFailure();
        a.recordSuccess(); // resets the run
        a.recordFailure();
        a.recordFailure();
        assertEquals(Backend.State.UP, a.state());
        a.recordFailure();
        assertEquals(Backend.State.EJECTED, a.state());
        assertEquals(CircuitBreaker.State.OPEN, a.circuitBreaker().state());
        long opened = System.nanoTime();
        assertEquals("bbbb", picks(set, 4));
        waitFor(() -> a.circuitBreaker().state() == CircuitBreaker.State.HALF_OPEN);
        assertTrue(System.nanoTime() - opened >= 100_000_000L);
        // Half-open: exactly one trial goes through.
        Backend trial = set.select(List.of(b));
        assertSame(a, trial);
        assertNull(set.select(List.of(b)), "second trial refused while the first is in flight");
        trial.recordFailure();
        trial.release();
        assertEquals(CircuitBreaker.State.OPEN, a.circuitBreaker().state());
        assertEquals(2, a.circuitBreaker().ejections());
        long reopened = System.nanoTime();
        waitFor(() -> a.circuitBreaker().state() == CircuitBreaker.State.HALF_OPEN);
        assertTrue(System.nanoTime() - reopened >= 200_000_000L, "second ejection lasts twice as long");
        trial = set.select(List.of(b));
        assertSame(a, trial);
        trial.recordSuccess();
        trial.release();
        assertEquals(Backend.State.UP, a.state());
        assertEquals(0, a.circuitBreaker().ejections());
    }

    @Test
    void ejectionBackoffIsCapped() throws Exception {
        CircuitBreaker breaker = new CircuitBreaker(new CircuitBreaker.Settings(1, Duration.ofMillis(40),
                Duration.ofMillis(60), 1));
        for (int i = 0; i < 4; i++) {
            breaker.onFailure();
            long opened = System.nanoTime();
            waitFor(() -> breaker.state() == CircuitBreaker.State.HALF_OPEN);
            long took = System.nanoTime() - opened;
            assertTrue(took < 2_000_000_000L, "capped at 60 ms, took " + took);
            assertTrue(breaker.tryAcquirePermission());
        }
        assertEquals(4, breaker.ejections());
    }

    @Test
    void membershipChangesFromManyThreadsWhileSelecting() throws Exception {
        BackendSet set = new BackendSet(BalanceStrategy.leastConnections());
        Backend stable = set.add(address(1));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(4);
        for (int t = 0; t < 4; t++) {
            int id = t;
            new Thread(() -> {
                try {
                    for (int i = 0; i < 5000; i++) {
                        if (id == 0) {
                            Backend extra = set.add(address(100 + i % 50));
                            set.drain(extra);
                            set.remove(extra);
                        } else {
                            Backend b = set.select();
                            assertNotEquals(null, b);
                            b.release();
                        }
                    }
                } catch (Throwable e) {
                    failure.set(e);
                } finally {
                    done.countDown();
                }
            }).start();
        }
        assertTrue(done.await(20, TimeUnit.SECONDS));
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(List.of(stable), set.backends());
        assertEquals(0, stable.activeConnections());
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(5);
        }
    }
}
