package io.weft.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.testing.log.LogCapture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EventLoopTest {

    private static final int THREADS = 8;
    private static final int TASKS_PER_THREAD = 10_000;

    private final EventLoopGroup group = new EventLoopGroup(1);
    private final EventLoop loop = group.next();

    @AfterEach
    void stop() {
        group.close();
    }

    @Test
    void tasksFromManyThreadsRunOnLoopInOrderPerSubmitter() throws Exception {
        int[] lastSeen = new int[THREADS];
        java.util.Arrays.fill(lastSeen, -1);
        AtomicInteger offLoop = new AtomicInteger();
        AtomicInteger outOfOrder = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(THREADS * TASKS_PER_THREAD);
        List<Thread> submitters = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int t = 0; t < THREADS; t++) {
            int submitter = t;
            Thread thread = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < TASKS_PER_THREAD; i++) {
                    int seq = i;
                    loop.execute(() -> {
                        if (!loop.inLoop()) {
                            offLoop.incrementAndGet();
                        }
                        // Only the loop thread touches lastSeen, so no synchronization is needed.
                        if (lastSeen[submitter] != seq - 1) {
                            outOfOrder.incrementAndGet();
                        }
                        lastSeen[submitter] = seq;
                        done.countDown();
                    });
                }
            });
            submitters.add(thread);
            thread.start();
        }
        go.countDown();
        assertTrue(done.await(20, TimeUnit.SECONDS), "not all tasks ran");
        for (Thread thread : submitters) {
            thread.join();
        }
        assertEquals(0, offLoop.get(), "tasks ran off the loop thread");
        assertEquals(0, outOfOrder.get(), "tasks of one submitter ran out of order");
    }

    @Test
    void timersFromManyThreadsRunOnLoopNotBeforeDeadlineAndInOrderPerSubmitter() throws Exception {
        int perThread = 50;
        CountDownLatch done = new CountDownLatch(THREADS * perThread);
        AtomicInteger early = new AtomicInteger();
        AtomicInteger offLoop = new AtomicInteger();
        AtomicInteger outOfOrder = new AtomicInteger();
        int[] lastSeen = new int[THREADS];
        java.util.Arrays.fill(lastSeen, -1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int submitter = t;
            Thread thread = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    int seq = i;
                    long delayMillis = 5 + i; // increasing deadlines per submitter
                    long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis);
                    loop.schedule(() -> {
                        if (System.nanoTime() < due) {
                            early.incrementAndGet();
                        }
                        if (!loop.inLoop()) {
                            offLoop.incrementAndGet();
                        }
                        if (lastSeen[submitter] > seq) {
                            outOfOrder.incrementAndGet();
                        }
                        lastSeen[submitter] = seq;
                        done.countDown();
                    }, delayMillis, TimeUnit.MILLISECONDS);
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertTrue(done.await(20, TimeUnit.SECONDS), "not all timers fired");
        assertEquals(0, early.get(), "timers fired before their deadline");
        assertEquals(0, offLoop.get());
        assertEquals(0, outOfOrder.get());
    }

    @Test
    void cancelledTimerNeverRuns() throws Exception {
        AtomicBoolean ran = new AtomicBoolean();
        ScheduledTask task = loop.schedule(() -> ran.set(true), 100, TimeUnit.MILLISECONDS);
        assertTrue(task.cancel());
        assertTrue(task.isCancelled());
        assertFalse(task.cancel(), "second cancel must report false");
        CountDownLatch later = new CountDownLatch(1);
        loop.schedule(later::countDown, 300, TimeUnit.MILLISECONDS);
        assertTrue(later.await(5, TimeUnit.SECONDS));
        assertFalse(ran.get(), "cancelled timer ran");
    }

    @Test
    void timerScheduledFromLoopCanCancelAnother() throws Exception {
        AtomicBoolean ran = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(1);
        loop.execute(() -> {
            ScheduledTask victim = loop.schedule(() -> ran.set(true), 50, TimeUnit.MILLISECONDS);
            loop.schedule(victim::cancel, 10, TimeUnit.MILLISECONDS);
            loop.schedule(done::countDown, 200, TimeUnit.MILLISECONDS);
        });
        assertTrue(done.await(5, TimeUnit.SECONDS));
        assertFalse(ran.get());
    }

    @Test
    void manyCancelledTimersArePurged() throws Exception {
        List<ScheduledTask> tasks = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            tasks.add(loop.schedule(() -> { }, 1, TimeUnit.HOURS));
        }
        assertEquals(10_000, onLoop(loop::timerHeapSize), "all timers must be in the heap before cancelling");
        tasks.forEach(ScheduledTask::cancel);
        CountDownLatch done = new CountDownLatch(1);
        loop.schedule(done::countDown, 20, TimeUnit.MILLISECONDS);
        assertTrue(done.await(5, TimeUnit.SECONDS), "a due timer must fire despite cancelled ones ahead");
        assertEquals(0, onLoop(loop::timerHeapSize), "cancelled timers must be purged from the heap");
    }

    @Test
    void hugeTimerDelayIsClampedAndDoesNotWakeTheLoop() throws Exception {
        AtomicBoolean ran = new AtomicBoolean();
        ScheduledTask far = loop.schedule(() -> ran.set(true), Long.MAX_VALUE, TimeUnit.DAYS);
        assertTrue(far.delayNanos() > TimeUnit.DAYS.toNanos(365L * 50), "a huge delay must stay far in the future");
        ScheduledTask alsoFar = loop.schedule(() -> ran.set(true), Long.MAX_VALUE, TimeUnit.NANOSECONDS);
        assertTrue(alsoFar.delayNanos() > 0);
        onLoop(loop::timerHeapSize); // the timers are in the heap and the loop has gone back to select
        long before = loop.selectCount();
        // Observing that nothing happens needs a window of time; a spinning loop wakes ~1000 times in it.
        Thread.sleep(300);
        long woke = loop.selectCount() - before;
        assertTrue(woke < 20, "the loop woke " + woke + " times in 300 ms with only far-off timers");
        assertFalse(ran.get());
        far.cancel();
        alsoFar.cancel();
    }

    @Test
    void taskOfferedAfterTerminationIsRejected() throws Exception {
        EventLoopGroup other = new EventLoopGroup(1);
        EventLoop victim = other.next();
        other.shutdownGracefully(0, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
        assertTrue(victim.isTerminated());
        assertThrows(RejectedExecutionException.class, () -> victim.execute(() -> { }));
        assertThrows(RejectedExecutionException.class, () -> victim.schedule(() -> { }, 1, TimeUnit.SECONDS));
    }

    @Test
    void everyTaskOfferedDuringShutdownEitherRunsOrIsRejected() throws Exception {
        for (int round = 0; round < 20; round++) {
            EventLoopGroup other = new EventLoopGroup(1);
            EventLoop victim = other.next();
            AtomicInteger ran = new AtomicInteger();
            AtomicInteger rejected = new AtomicInteger();
            AtomicInteger offered = new AtomicInteger();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Thread thread = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    while (true) {
                        offered.incrementAndGet();
                        try {
                            victim.execute(ran::incrementAndGet);
                        } catch (RejectedExecutionException e) {
                            rejected.incrementAndGet();
                            return;
                        }
                    }
                });
                threads.add(thread);
                thread.start();
            }
            go.countDown();
            other.shutdownGracefully(0, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
            for (Thread thread : threads) {
                thread.join(10_000);
            }
            assertEquals(offered.get(), ran.get() + rejected.get(),
                    "round " + round + ": a task was neither run nor rejected");
            assertEquals(4, rejected.get());
        }
    }

    @Test
    void countsPendingAndRunTasks() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(1);
        long before = loop.tasksRun();
        loop.execute(() -> {
            blocked.countDown();
            try {
                gate.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(blocked.await(10, TimeUnit.SECONDS));
        for (int i = 0; i < 5; i++) {
            loop.execute(() -> { });
        }
        assertEquals(5, loop.pendingTasks());
        gate.countDown();
        assertEquals(0, onLoop(loop::pendingTasks));
        assertTrue(loop.tasksRun() - before >= 6, "ran " + (loop.tasksRun() - before));
    }

    private <T> T onLoop(java.util.concurrent.Callable<T> query) throws Exception {
        java.util.concurrent.CompletableFuture<T> result = new java.util.concurrent.CompletableFuture<>();
        loop.execute(() -> {
            try {
                result.complete(query.call());
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        });
        return result.get(10, TimeUnit.SECONDS);
    }

    @Test
    void throwingTaskDoesNotKillTheLoop() throws Exception {
        try (LogCapture logs = LogCapture.start()) {
            loop.execute(() -> {
                throw new IllegalStateException("expected by the test");
            });
            CountDownLatch next = new CountDownLatch(1);
            loop.execute(next::countDown);
            assertTrue(next.await(5, TimeUnit.SECONDS));
            // A fault of the program: WARN with its trace.
            assertTrue(logs.at(org.slf4j.event.Level.WARN).stream().anyMatch(e -> e.message().equals("task threw")
                    && e.throwable() instanceof IllegalStateException), logs::dump);
        }
    }

    @Test
    void inLoopIsTrueOnlyOnTheLoopThreadAndAlwaysOnAnEmbeddedLoop() throws Exception {
        assertFalse(loop.inLoop());
        CompletableFuture<Boolean> onLoop = new CompletableFuture<>();
        loop.execute(() -> onLoop.complete(loop.inLoop()));
        assertTrue(onLoop.get(10, TimeUnit.SECONDS));
        EmbeddedEventLoop embedded = new EmbeddedEventLoop();
        assertTrue(embedded.inLoop());
        CompletableFuture<Boolean> embeddedFromLoop = new CompletableFuture<>();
        loop.execute(() -> embeddedFromLoop.complete(embedded.inLoop()));
        assertTrue(embeddedFromLoop.get(10, TimeUnit.SECONDS));
    }
}
