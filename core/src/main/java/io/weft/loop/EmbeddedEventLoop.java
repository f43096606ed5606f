package io.weft.loop;

import io.weft.internal.loop.IoHandler;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * An event loop without a thread or a selector, for tests: it runs its work on whichever thread drives it, and
 * its timers follow a virtual clock that moves only when {@link #advanceTimeBy} is called. It is what
 * {@link io.weft.channel.EmbeddedChannel} runs on.
 *
 * <p>{@link #inLoop()} is always {@code true}, so handler callbacks and pipeline operations run synchronously on
 * the calling thread. Tasks handed to {@link #execute} (also from other threads) wait in a queue until
 * {@link #runPendingTasks()}; timers from {@link #schedule} run once the virtual clock has passed their deadline and
 * {@link #runPendingTasks()} or {@link #advanceTimeBy} is called. Apart from {@link #execute}, which is thread-safe,
 * an embedded loop must be driven by one thread at a time.
 *
 * <p>Registration completes at once (with a {@code null} {@link SelectionKey}: an embedded channel has no socket).
 */
public final class EmbeddedEventLoop extends EventLoop {

    /** Bound on the tasks one {@link #runPendingTasks()} runs, so a task that re-queues itself cannot hang a test. */
    static final int MAX_TASKS_PER_RUN = 1_000_000;

    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<ScheduledTask> timers = new PriorityQueue<>();
    private final CompletableFuture<Void> terminationFuture = new CompletableFuture<>();
    private long now;
    private long sequence;
    private int channels;
    private boolean shutDown;

    /** A loop whose virtual clock starts at 0. */
    public EmbeddedEventLoop() {
        super();
    }

    /** The virtual clock: starts at 0 and moves only with {@link #advanceTimeBy}. */
    @Override
    public long nanoTime() {
        return now;
    }

    /** Always {@code true}: whoever drives an embedded loop is its thread. */
    @Override
    public boolean inLoop() {
        return true;
    }

    /** Queues {@code task} until the next {@link #runPendingTasks()}. Safe from any thread. */
    @Override
    public void execute(Runnable task) {
        if (task == null) {
            throw new NullPointerException("task");
        }
        if (shutDown) {
            throw new RejectedExecutionException("embedded event loop has been shut down");
        }
        tasks.add(task);
    }

    /** Runs {@code task} once the virtual clock has advanced by {@code delay} (and tasks are run). */
    @Override
    public ScheduledTask schedule(Runnable task, long delay, TimeUnit unit) {
        if (task == null) {
            throw new NullPointerException("task");
        }
        ScheduledTask scheduled = new ScheduledTask(this, task, now + Math.max(0, unit.toNanos(delay)), sequence++);
        timers.add(scheduled);
        return scheduled;
    }

    /**
     * Runs queued tasks and due timers until none is left: tasks that queue more tasks see them run too (up to
     * {@value #MAX_TASKS_PER_RUN} per call). A task that throws is not caught: the exception reaches the caller,
     * and the tasks after it stay queued.
     *
     * @throws IllegalStateException if tasks kept queuing tasks beyond the bound
     */
    public void runPendingTasks() {
        int ran = 0;
        while (true) {
            Runnable task = tasks.poll();
            if (task == null) {
                ScheduledTask due = pollDueTimer();
                if (due == null) {
                    return;
                }
                task = due::run;
            }
            if (++ran > MAX_TASKS_PER_RUN) {
                throw new IllegalStateException("more than " + MAX_TASKS_PER_RUN
                        + " tasks in one runPendingTasks(): a task keeps queuing tasks");
            }
            task.run();
        }
    }

    /**
     * Moves the virtual clock forward by {@code amount}, then {@linkplain #runPendingTasks() runs} what became due.
     */
    public void advanceTimeBy(long amount, TimeUnit unit) {
        long nanos = unit.toNanos(amount);
        if (nanos < 0) {
            throw new IllegalArgumentException("cannot move the clock backwards by " + amount + " " + unit);
        }
        now += nanos;
        runPendingTasks();
    }

    /** Nanoseconds until the next timer is due ({@code 0} if one is due now), or {@code -1} if there is none. */
    public long nextTimerDelayNanos() {
        ScheduledTask next = peekTimer();
        return next == null ? -1 : Math.max(0, next.deadlineNanos() - now);
    }

    /** Whether tasks or timers (due or not) are waiting. */
    public boolean hasPendingTasks() {
        return !tasks.isEmpty() || peekTimer() != null;
    }

    private ScheduledTask peekTimer() {
        ScheduledTask head;
        while ((head = timers.peek()) != null && head.isCancelled()) {
            timers.poll();
        }
        return head;
    }

    private ScheduledTask pollDueTimer() {
        ScheduledTask head = peekTimer();
        if (head != null && head.deadlineNanos() - now <= 0) {
            return timers.poll();
        }
        return null;
    }

    /** Registers at once, on the calling thread; {@code channel} may be {@code null} (an embedded channel). */
    @Override
    void register(SelectableChannel channel, int interestOps, IoHandler handler) {
        if (shutDown) {
            handler.registrationFailed(new RejectedExecutionException("embedded event loop has been shut down"));
            return;
        }
        channels++;
        handler.registered(null);
    }

    @Override
    void deregister(SelectionKey key) {
        if (key != null) {
            key.cancel();
        }
        channels--;
    }

    @Override
    public int channelCount() {
        return channels;
    }

    @Override
    void timerCancelled() {
        // Cancelled timers are dropped when they reach the head of the heap.
    }

    /** Drops queued tasks and timers and refuses new tasks; completes at once. */
    @Override
    public CompletableFuture<Void> shutdownGracefully(long timeout, TimeUnit unit) {
        shutDown = true;
        tasks.clear();
        timers.clear();
        terminationFuture.complete(null);
        return terminationFuture;
    }

    @Override
    public boolean isShuttingDown() {
        return shutDown;
    }

    @Override
    public boolean isTerminated() {
        return shutDown;
    }

    @Override
    public CompletableFuture<Void> terminationFuture() {
        return terminationFuture;
    }

    /** {@code null}: an embedded loop belongs to no group. */
    @Override
    public EventLoopGroup group() {
        return null;
    }

    @Override
    public String toString() {
        return "EmbeddedEventLoop(time: " + now + " ns, tasks: " + tasks.size() + ", timers: " + timers.size() + ")";
    }
}
