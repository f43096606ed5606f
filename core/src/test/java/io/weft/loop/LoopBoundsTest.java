package io.weft.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.channel.TcpChannel;
import io.weft.testing.EchoHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rule 10 for the loop itself: the tasks other threads queue and the pending timers are bounded, the offer past
 * the bound fails with {@link LoopOverloadedException}, and the loop, its channels and Weft's own close go on.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoopBoundsTest {

    @Test
    void taskQueueRefusesOtherThreadsPastItsBoundAndRunsEveryAcceptedTask() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.builder().size(1).maxPendingTasks(1_000).build()) {
            EventLoop loop = group.next();
            assertEquals(1_000, loop.maxPendingTasks());
            CountDownLatch release = block(loop);

            AtomicInteger ran = new AtomicInteger();
            AtomicInteger fromLoop = new AtomicInteger();
            for (int i = 0; i < 1_000; i++) {
                loop.execute(ran::incrementAndGet);
            }
            LoopOverloadedException refused = assertThrows(LoopOverloadedException.class,
                    () -> loop.execute(ran::incrementAndGet));
            assertEquals(LoopOverloadedException.Bound.PENDING_TASKS, refused.bound());
            assertEquals(1_000, loop.pendingTasks());

            release.countDown();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (loop.pendingTasks() > 0 && System.nanoTime() < until) {
                Thread.onSpinWait(); // the queue is still full until the loop has run the accepted tasks
            }
            // The loop drains, and may then queue more for itself than the bound: its own tasks are never refused.
            CompletableFuture<Void> selfQueued = new CompletableFuture<>();
            awaitDrained(loop);
            loop.execute(() -> {
                for (int i = 0; i < 2_000; i++) {
                    loop.execute(fromLoop::incrementAndGet);
                }
                loop.execute(() -> selfQueued.complete(null));
            });
            selfQueued.get(10, TimeUnit.SECONDS);
            assertEquals(1_000, ran.get());
            assertEquals(2_000, fromLoop.get());
        }
    }

    @Test
    void fullQueueFailsOutsideWritesTypedReleasesThemAndStillClosesTheChannel() throws Exception {
        try (EventLoopGroup serverGroup = new EventLoopGroup(1);
             EventLoopGroup group = EventLoopGroup.builder().size(1).maxPendingTasks(16).build()) {
            Server server = Server.builder().group(serverGroup)
                    .childHandler(ch -> ch.pipeline().addLast("echo", new EchoHandler())).bind("127.0.0.1", 0);
            try {
                TcpChannel ch = Client.builder().group(group).handler(c -> { })
                        .connect("127.0.0.1", server.localAddress().getPort()).get(10, TimeUnit.SECONDS);
                EventLoop loop = ch.loop();
                CountDownLatch release = block(loop);
                while (true) {
                    try {
                        loop.execute(() -> { });
                    } catch (LoopOverloadedException full) {
                        break;
                    }
                }

                Buffer withPromise = ch.allocator().allocate(8).writeLong(1);
                CompletableFuture<Void> promise = ch.write(withPromise, new CompletableFuture<>());
                ExecutionException failed = assertThrows(ExecutionException.class,
                        () -> promise.get(10, TimeUnit.SECONDS));
                assertInstanceOf(LoopOverloadedException.class, failed.getCause());
                assertEquals(0, withPromise.refCnt(), "a refused write releases its message");

                Buffer withoutPromise = ch.allocator().allocate(8).writeLong(2);
                assertThrows(LoopOverloadedException.class, () -> ch.write(withoutPromise));
                assertEquals(0, withoutPromise.refCnt());

                Buffer flushed = ch.allocator().allocate(8).writeLong(3);
                CompletableFuture<Void> flushPromise = ch.writeAndFlush(flushed, new CompletableFuture<>());
                assertInstanceOf(LoopOverloadedException.class, assertThrows(ExecutionException.class,
                        () -> flushPromise.get(10, TimeUnit.SECONDS)).getCause());
                assertEquals(0, flushed.refCnt());

                // Closing is never refused for a full queue: it frees what the producers hold.
                CompletableFuture<Void> closed = ch.close();
                assertFalse(closed.isDone());
                release.countDown();
                closed.get(10, TimeUnit.SECONDS);
                assertFalse(ch.isOpen());
            } finally {
                server.close();
            }
        }
    }

    @Test
    void timersAreBoundedCancelledOnesArePurgedToMakeRoomAndTheCountReturnsToZero() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.builder().size(1).maxTimers(100).build()) {
            EventLoop loop = group.next();
            CompletableFuture<Void> checked = new CompletableFuture<>();
            AtomicInteger fired = new AtomicInteger();
            loop.execute(() -> {
                try {
                    ScheduledTask[] far = new ScheduledTask[100];
                    for (int i = 0; i < 100; i++) {
                        far[i] = loop.schedule(fired::incrementAndGet, 1, TimeUnit.HOURS);
                    }
                    LoopOverloadedException refused = assertThrows(LoopOverloadedException.class,
                            () -> loop.schedule(fired::incrementAndGet, 1, TimeUnit.HOURS));
                    assertEquals(LoopOverloadedException.Bound.TIMERS, refused.bound());
                    assertEquals(100, loop.pendingTimers());
                    for (int i = 0; i < 10; i++) {
                        far[i].cancel();
                    }
                    // The bound counts cancelled timers until purged; the loop purges them to make room.
                    for (int i = 0; i < 10; i++) {
                        loop.schedule(fired::incrementAndGet, 0, TimeUnit.MILLISECONDS);
                    }
                    assertThrows(LoopOverloadedException.class,
                            () -> loop.schedule(fired::incrementAndGet, 0, TimeUnit.MILLISECONDS));
                    for (int i = 10; i < 100; i++) {
                        far[i].cancel();
                    }
                    checked.complete(null);
                } catch (Throwable t) {
                    checked.completeExceptionally(t);
                }
            });
            checked.get(10, TimeUnit.SECONDS);
            // The loop purges the 90 cancelled timers on its next turn and runs the 10 due ones.
            awaitNoTimers(loop);
            // From another thread, too, and the count drains as timers run.
            CountDownLatch ran = new CountDownLatch(50);
            for (int i = 0; i < 50; i++) {
                loop.schedule(ran::countDown, 1, TimeUnit.MILLISECONDS);
            }
            assertTrue(ran.await(10, TimeUnit.SECONDS));
            awaitNoTimers(loop);
            assertEquals(10, fired.get());
        }
    }

    /** Occupies the loop thread until the returned latch is released. */
    private static CountDownLatch block(EventLoop loop) throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocking = new CountDownLatch(1);
        loop.execute(() -> {
            blocking.countDown();
            await(release);
        });
        assertTrue(blocking.await(10, TimeUnit.SECONDS));
        return release;
    }

    private static void awaitNoTimers(EventLoop loop) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (loop.pendingTimers() != 0 && System.nanoTime() < deadline) {
            awaitDrained(loop);
        }
        assertEquals(0, loop.pendingTimers());
    }

    private static void awaitDrained(EventLoop loop) throws InterruptedException {
        CountDownLatch drained = new CountDownLatch(1);
        loop.execute(drained::countDown);
        assertTrue(drained.await(10, TimeUnit.SECONDS));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
