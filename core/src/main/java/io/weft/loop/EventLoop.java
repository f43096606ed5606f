package io.weft.loop;

import io.weft.internal.access.SharedSecrets;
import io.weft.internal.log.ThrottledLog;
import io.weft.internal.loop.IoHandler;
import io.weft.internal.loop.LoopAccess;
import io.weft.internal.loop.UrgentTask;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jctools.queues.MpscUnboundedArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread, one {@link Selector}, one task queue and one timer heap.
 *
 * <p>Every channel belongs to exactly one loop for its whole life, and all of its I/O and handler callbacks run
 * on that loop's thread. Any other thread that wants something done on a channel hands a task to
 * {@link #execute(Runnable)}, which is lock-free (a JCTools MPSC queue) and wakes the selector only when the loop
 * may be blocked in it. Timers ({@link #schedule}) live in a heap whose earliest deadline bounds the select
 * timeout, so they cost no thread.
 *
 * <p>The loop thread never dies. A task, timer or dispatch that throws (even an {@link Error}) is logged (WARN with
 * the trace, rate-limited per site) and the loop goes on; a channel whose readiness dispatch threw
 * is closed. If {@code select} fails the loop backs off (up to 100 ms) and after 3 failures in a row rebuilds its
 * selector, moving every channel over with its interest set; it does the same after 512 blocking selects in a row
 * that return early with nothing to do (the JDK's epoll spin).
 *
 * <p>Loops are created by an {@link EventLoopGroup} and start their thread at once. The one other kind is
 * {@link EmbeddedEventLoop}, which has no thread and runs its work on the caller's thread, for tests.
 */
public sealed class EventLoop implements Executor permits EmbeddedEventLoop {

    private static final Logger log = LoggerFactory.getLogger(EventLoop.class);
    /** Faults of handlers and tasks run by a loop: WARN with the trace, at most a few per minute per site. */
    private static final ThrottledLog dispatchFaults = new ThrottledLog(log);
    private static final ThrottledLog timerFaults = new ThrottledLog(log);
    private static final ThrottledLog taskFaults = new ThrottledLog(log);
    private static final ThrottledLog loopFaults = new ThrottledLog(log);
    private static final VarHandle STATE;
    private static final int AWAKE = 0;
    private static final int SELECTING = 1;
    private static final int MAX_TASKS_PER_ITERATION = 4096;
    /**
     * Longest delay a timer may have (about 73 years); longer delays are clamped so that deadline arithmetic cannot
     * overflow.
     */
    static final long MAX_DELAY_NANOS = Long.MAX_VALUE / 4;
    /** Longest single select timeout; a far-off timer costs at most one wake-up per this many milliseconds. */
    private static final long MAX_SELECT_MILLIS = TimeUnit.HOURS.toMillis(1);
    /**
     * Blocking selects in a row that return early with nothing selected and nothing to do before the selector is
     * considered broken (the JDK epoll spin) and rebuilt. Netty uses the same default.
     */
    static final int SPIN_REBUILD_THRESHOLD = 512;
    /** Failed loop iterations in a row after which the selector is rebuilt. */
    static final int FAILURE_REBUILD_THRESHOLD = 3;
    /** Longest pause after repeated loop failures. */
    private static final long MAX_FAILURE_BACKOFF_MILLIS = 100;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(EventLoop.class, "wakeState", int.class);
            // Classes the loop needs while failing must be loaded while it can: under "too many open files" the
            // class loader cannot open the jar to load them later.
            for (Class<?> c : new Class<?>[] {ScheduledTask.class, ThrottledLog.class, ClosedSelectorException.class}) {
                Class.forName(c.getName(), true, c.getClassLoader());
            }
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        // Channels register through this key; the registration methods themselves stay package-private.
        SharedSecrets.setLoopAccess(new LoopAccess() {
            @Override
            public void register(EventLoop loop, SelectableChannel channel, int interestOps, IoHandler handler) {
                loop.register(channel, interestOps, handler);
            }

            @Override
            public void deregister(EventLoop loop, SelectionKey key) {
                loop.deregister(key);
            }
        });
    }

    private final EventLoopGroup group;
    private volatile Selector selector;
    private final Thread thread;
    private final MpscUnboundedArrayQueue<Runnable> tasks = new MpscUnboundedArrayQueue<>(1024);
    private final PriorityQueue<ScheduledTask> timers = new PriorityQueue<>();
    private final AtomicInteger channelCount = new AtomicInteger();
    private final AtomicInteger cancelledTimers = new AtomicInteger();
    /** Timers accepted by {@link #schedule} and not yet run, dropped or purged from the heap; bounded by maxTimers. */
    private final AtomicInteger pendingTimers = new AtomicInteger();
    private final int maxPendingTasks;
    private final int maxTimers;
    private final CompletableFuture<Void> terminationFuture = new CompletableFuture<>();
    private final Consumer<SelectionKey> dispatcher = this::dispatch;
    private final AtomicLong timerSequence = new AtomicLong();
    /** Threads outside the loop that are between checking {@link #terminated} and offering their task. */
    private final AtomicInteger submitting = new AtomicInteger();
    /** Written only by the loop thread; volatile so other threads can read them as metrics. */
    private volatile long tasksRun;
    private volatile long selects;
    private volatile long selectedKeys;
    private volatile int selectorRebuilds;
    private int prematureSelects;
    private int consecutiveFailures;
    /** Test hook: the number of coming selects that fail as if the selector were broken. Loop thread only. */
    int injectedSelectFailures;
    private volatile int wakeState;
    private volatile boolean shuttingDown;
    private volatile long shutdownDeadlineNanos;
    private volatile boolean terminated;

    EventLoop(EventLoopGroup group, String threadName, int maxPendingTasks, int maxTimers) {
        this.group = group;
        this.maxPendingTasks = maxPendingTasks;
        this.maxTimers = maxTimers;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open selector", e);
        }
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(false);
        this.thread.start();
    }

    /** For {@link EmbeddedEventLoop}: no thread, no selector; the subclass overrides every public method. */
    EventLoop() {
        this.group = null;
        this.selector = null;
        this.thread = null;
        this.maxPendingTasks = Integer.MAX_VALUE;
        this.maxTimers = Integer.MAX_VALUE;
    }

    /**
     * The loop's clock, in nanoseconds, with {@link System#nanoTime()}'s meaning: timers and timeout handlers
     * measure time with it. {@link System#nanoTime()} here; a virtual clock on an {@link EmbeddedEventLoop}.
     */
    public long nanoTime() {
        return System.nanoTime();
    }

    /** The group this loop belongs to ({@code null} for an {@link EmbeddedEventLoop}). */
    public EventLoopGroup group() {
        return group;
    }

    /** Whether the calling thread is this loop's thread. */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** The number of channels assigned to this loop and not yet closed; read by {@link LoopChooser}s. */
    public int channelCount() {
        return channelCount.get();
    }

    /** Whether {@link #shutdownGracefully} has been called. */
    public boolean isShuttingDown() {
        return shuttingDown;
    }

    /** Whether the loop thread has finished. */
    public boolean isTerminated() {
        return terminated;
    }

    /** Completes when the loop thread has finished. */
    public CompletableFuture<Void> terminationFuture() {
        return terminationFuture;
    }

    /**
     * Runs {@code task} on the loop thread, after the tasks already queued. Safe from any thread; tasks from one
     * submitting thread run in submission order. A task that throws is logged and the loop goes on.
     *
     * <p>Every accepted task runs: the loop drains its queue after it stops, and a task offered too late for that
     * final drain is refused here rather than left behind.
     *
     * <p>The queue is bounded for other threads: with {@link #maxPendingTasks()} tasks waiting, a task from another
     * thread is refused with {@link LoopOverloadedException} (a producer faster than the loop meets back-pressure
     * rather than exhausting the heap). Tasks the loop thread gives itself are never refused while it runs.
     *
     * @throws LoopOverloadedException    if another thread offers a task while the queue is full
     * @throws RejectedExecutionException if the loop has terminated
     */
    @Override
    public void execute(Runnable task) {
        if (task == null) {
            throw new NullPointerException("task");
        }
        if (inLoop()) {
            // The loop thread drains its own queue until empty before it ends, so this task will run.
            tasks.offer(task);
            return;
        }
        // Dekker-style handshake with the final drain: either the loop sees this submitter and drains again, or
        // this submitter sees the loop has terminated.
        submitting.incrementAndGet();
        try {
            if (terminated) {
                throw new RejectedExecutionException("event loop " + thread.getName() + " has terminated");
            }
            if (tasks.size() >= maxPendingTasks && !(task instanceof UrgentTask)) {
                throw new LoopOverloadedException(thread.getName(), LoopOverloadedException.Bound.PENDING_TASKS,
                        maxPendingTasks);
            }
            tasks.offer(task);
        } finally {
            submitting.decrementAndGet();
        }
        wakeup();
    }

    private void wakeup() {
        if (wakeState == SELECTING && STATE.compareAndSet(this, SELECTING, AWAKE)) {
            selector.wakeup();
        }
    }

    /**
     * Runs {@code task} on the loop thread once {@code delay} has passed. Safe from any thread. A negative delay
     * counts as zero; a delay longer than about 73 years is clamped to that. A timer that throws is logged and the
     * loop goes on.
     *
     * <p>At most {@link #maxTimers()} timers may be pending at once (cancelled ones count until the loop purges
     * them, which it does first when the bound is reached on the loop thread).
     *
     * @return a handle that can cancel the task
     * @throws LoopOverloadedException    if {@link #maxTimers()} timers are pending, or, from another thread, the
     *                                    task queue is full
     * @throws RejectedExecutionException if the loop has terminated
     */
    public ScheduledTask schedule(Runnable task, long delay, TimeUnit unit) {
        if (task == null) {
            throw new NullPointerException("task");
        }
        long delayNanos = Math.min(MAX_DELAY_NANOS, Math.max(0, unit.toNanos(delay)));
        long deadline = System.nanoTime() + delayNanos;
        ScheduledTask scheduled = new ScheduledTask(this, task, deadline, timerSequence.getAndIncrement());
        boolean inLoop = inLoop();
        if (pendingTimers.incrementAndGet() > maxTimers && !(inLoop && purgeCancelledTimers())) {
            pendingTimers.decrementAndGet();
            throw new LoopOverloadedException(thread.getName(), LoopOverloadedException.Bound.TIMERS, maxTimers);
        }
        if (inLoop) {
            timers.add(scheduled);
        } else {
            try {
                execute(() -> {
                    if (scheduled.isWaiting()) {
                        timers.add(scheduled);
                    } else {
                        pendingTimers.decrementAndGet();
                    }
                });
            } catch (RuntimeException e) {
                pendingTimers.decrementAndGet();
                throw e;
            }
        }
        return scheduled;
    }

    /**
     * Removes cancelled timers from the heap. Loop thread only.
     *
     * @return whether any was removed
     */
    private boolean purgeCancelledTimers() {
        int before = timers.size();
        timers.removeIf(ScheduledTask::isCancelled);
        cancelledTimers.set(0);
        int removed = before - timers.size();
        pendingTimers.addAndGet(-removed);
        return removed > 0;
    }

    /**
     * The most tasks other threads may have queued at once ({@link EventLoopGroup.Builder#maxPendingTasks}); beyond
     * it {@link #execute} refuses with {@link LoopOverloadedException}.
     */
    public int maxPendingTasks() {
        return maxPendingTasks;
    }

    /** The most timers that may be pending at once ({@link EventLoopGroup.Builder#maxTimers}). */
    public int maxTimers() {
        return maxTimers;
    }

    /** Timers scheduled and not yet run, purged or dropped; approximate when read outside the loop. */
    public int pendingTimers() {
        return pendingTimers.get();
    }

    /** Tasks queued by {@link #execute} and not yet run; approximate when read outside the loop. */
    public int pendingTasks() {
        return tasks.size();
    }

    /** Tasks (including timers) this loop has run since it started, counting those that threw. */
    public long tasksRun() {
        return tasksRun;
    }

    /** Timers in the heap, cancelled ones not yet purged included. Loop thread only; for tests. */
    int timerHeapSize() {
        return timers.size();
    }

    /** How many times the loop has returned from its selector (blocking or not) since it started. */
    public long selectCount() {
        return selects;
    }

    /**
     * Ready keys the selector has reported since the loop started; divided by {@link #selectCount()} it gives the
     * selected keys per wake-up.
     */
    public long selectedKeys() {
        return selectedKeys;
    }

    /** How many times the selector was replaced after failing or spinning; for tests. */
    int selectorRebuilds() {
        return selectorRebuilds;
    }

    /**
     * Registers {@code channel} with this loop's selector for {@code interestOps}; {@code handler} receives the
     * readiness events and, on the loop thread, {@link IoHandler#registered} or
     * {@link IoHandler#registrationFailed}. Counts the channel toward {@link #channelCount()} at once, so that a
     * {@link LoopChooser} sees it before the registration has run. Safe from any thread. Reached by Weft's channels
     * through {@link LoopAccess}. A handler that was registered must eventually call {@link #deregister}.
     */
    void register(SelectableChannel channel, int interestOps, IoHandler handler) {
        channelCount.incrementAndGet();
        Runnable doRegister = () -> {
            if (shuttingDown) {
                channelCount.decrementAndGet();
                handler.registrationFailed(new RejectedExecutionException("event loop is shutting down"));
                return;
            }
            SelectionKey key;
            try {
                channel.configureBlocking(false);
                key = channel.register(selector, interestOps, handler);
            } catch (IOException | RuntimeException e) {
                channelCount.decrementAndGet();
                handler.registrationFailed(e);
                return;
            }
            handler.registered(key);
        };
        if (inLoop()) {
            doRegister.run();
        } else {
            try {
                execute(doRegister);
            } catch (RejectedExecutionException e) {
                channelCount.decrementAndGet();
                handler.registrationFailed(e);
            }
        }
    }

    /** Cancels {@code key} and stops counting its channel. Loop thread only; reached through {@link LoopAccess}. */
    void deregister(SelectionKey key) {
        if (key != null) {
            key.cancel();
        }
        channelCount.decrementAndGet();
    }

    void timerCancelled() {
        cancelledTimers.incrementAndGet();
    }

    /**
     * Starts a graceful shutdown: channels registered with this loop are closed, queued tasks are drained, and the
     * thread exits once no task arrives or {@code timeout} has passed.
     */
    public CompletableFuture<Void> shutdownGracefully(long timeout, TimeUnit unit) {
        if (!shuttingDown) {
            shutdownDeadlineNanos = System.nanoTime() + unit.toNanos(timeout);
            shuttingDown = true;
            selector.wakeup();
        }
        return terminationFuture;
    }

    private void run() {
        try {
            while (!iterate()) {
                // One select, the due timers, a batch of tasks; see iterate().
            }
        } finally {
            terminate();
        }
    }

    /**
     * One turn of the loop. Nothing thrown here ends the loop: a failure is logged (rate-limited), repeated failures
     * back off briefly, and a selector that keeps failing is rebuilt with every channel moved over.
     *
     * @return whether the loop has finished shutting down
     */
    private boolean iterate() {
        try {
            select();
            selects++;
            runDueTimers();
            runTasks(MAX_TASKS_PER_ITERATION);
            consecutiveFailures = 0;
            if (shuttingDown) {
                closeAll();
                return confirmShutdown();
            }
            return false;
        } catch (Throwable t) {
            try {
                loopFailed(t);
            } catch (Throwable ignored) {
                // Even logging failed (out of memory?): carry on regardless, the next turn may fare better.
            }
            return shuttingDown && System.nanoTime() - shutdownDeadlineNanos >= 0;
        }
    }

    private void loopFailed(Throwable t) {
        int failures = ++consecutiveFailures;
        loopFaults.warn("event loop {} iteration failed ({} in a row); continuing", thread.getName(), failures, t);
        if (failures % FAILURE_REBUILD_THRESHOLD == 0) {
            rebuildSelector("select failed " + failures + " times in a row");
        }
        if (failures > 1) {
            try {
                Thread.sleep(Math.min(MAX_FAILURE_BACKOFF_MILLIS, 1L << Math.min(failures - 1, 10)));
            } catch (InterruptedException e) {
                // The loop is never interrupted on purpose; keep going.
                Thread.interrupted();
            }
        }
    }

    private void terminate() {
        if (!shuttingDown) {
            shutdownDeadlineNanos = System.nanoTime();
            shuttingDown = true;
        }
        try {
            closeAll();
        } catch (Throwable t) {
            log.warn("event loop {}: closing channels at the end failed", thread.getName(), t);
        }
        terminated = true;
        // Drain until no submitter can still be offering: a submitter either saw 'terminated' and refused its
        // task, or its task is in the queue by the time 'submitting' is zero.
        do {
            runTasks(Integer.MAX_VALUE);
        } while (submitting.get() != 0 || !tasks.isEmpty());
        try {
            selector.close();
        } catch (IOException | RuntimeException e) {
            log.debug("closing selector failed", e);
        }
        timers.clear();
        pendingTimers.set(0);
        terminationFuture.complete(null);
    }

    private void select() throws IOException {
        if (injectedSelectFailures > 0) {
            injectedSelectFailures--;
            throw new IOException("injected select failure");
        }
        Selector sel = selector;
        if (!tasks.isEmpty() || shuttingDown) {
            sel.selectNow(dispatcher);
            return;
        }
        long timeoutMillis = -1;
        ScheduledTask next = nextTimer();
        if (next != null) {
            long delay = next.delayNanos();
            if (delay <= 0) {
                sel.selectNow(dispatcher);
                return;
            }
            // delay <= MAX_DELAY_NANOS, so rounding up cannot overflow.
            timeoutMillis = Math.min(MAX_SELECT_MILLIS, TimeUnit.NANOSECONDS.toMillis(delay + 999_999));
        }
        int selected;
        long started = System.nanoTime();
        STATE.setVolatile(this, SELECTING);
        try {
            // A task offered before this point is seen here; one offered after sees SELECTING and wakes us.
            if (!tasks.isEmpty() || shuttingDown) {
                sel.selectNow(dispatcher);
                return;
            } else if (timeoutMillis < 0) {
                selected = sel.select(dispatcher);
            } else {
                selected = sel.select(dispatcher, timeoutMillis);
            }
        } finally {
            STATE.setVolatile(this, AWAKE);
        }
        checkSpin(selected, started, timeoutMillis);
    }

    /**
     * Counts blocking selects that returned early with nothing to do: a broken epoll set makes select return at
     * once forever (JDK-6670302 and relatives). After {@link #SPIN_REBUILD_THRESHOLD} in a row the selector is
     * rebuilt.
     */
    void checkSpin(int selected, long started, long timeoutMillis) {
        if (selected > 0 || !tasks.isEmpty() || shuttingDown || Thread.interrupted()) {
            prematureSelects = 0;
            return;
        }
        long elapsed = System.nanoTime() - started;
        if (timeoutMillis >= 0 && elapsed >= TimeUnit.MILLISECONDS.toNanos(timeoutMillis) - 500_000) {
            prematureSelects = 0;
            return;
        }
        if (++prematureSelects >= SPIN_REBUILD_THRESHOLD) {
            rebuildSelector(prematureSelects + " selects in a row returned early with nothing selected");
        }
    }

    /**
     * Replaces the selector with a new one and moves every valid key to it, with its interest set and attachment;
     * each {@link IoHandler} learns its new key. A channel that cannot be moved is closed, never left orphaned.
     * Loop thread only.
     */
    void rebuildSelector(String reason) {
        Selector old = selector;
        Selector fresh;
        try {
            fresh = Selector.open();
        } catch (IOException | RuntimeException e) {
            loopFaults.warn("event loop {}: cannot open a new selector ({})", thread.getName(), reason, e);
            return;
        }
        int moved = 0;
        List<SelectionKey> keys;
        try {
            keys = new ArrayList<>(old.keys());
        } catch (ClosedSelectorException e) {
            keys = List.of();
        }
        for (SelectionKey key : keys) {
            Object attachment = key.attachment();
            try {
                if (!key.isValid() || key.channel().keyFor(fresh) != null) {
                    continue;
                }
                int ops = key.interestOps();
                key.cancel();
                SelectionKey newKey = key.channel().register(fresh, ops, attachment);
                if (attachment instanceof IoHandler handler) {
                    handler.selectorRebuilt(newKey);
                }
                moved++;
            } catch (Exception e) {
                log.warn("event loop {}: could not move {} to the new selector; closing it", thread.getName(),
                        attachment, e);
                if (attachment instanceof IoHandler handler) {
                    closeQuietly(handler);
                }
            }
        }
        selector = fresh;
        selectorRebuilds++;
        prematureSelects = 0;
        try {
            old.close();
        } catch (IOException | RuntimeException e) {
            log.debug("closing the old selector failed", e);
        }
        log.warn("event loop {}: rebuilt its selector ({}); moved {} channel(s)", thread.getName(), reason, moved);
    }

    private void dispatch(SelectionKey key) {
        selectedKeys++;
        IoHandler handler = (IoHandler) key.attachment();
        try {
            handler.ready(key);
        } catch (Throwable t) {
            // The channel should have handled this itself; close it so it cannot fail (and spin) again.
            dispatchFaults.warn("unexpected exception dispatching readiness to {}; closing it", handler, t);
            closeQuietly(handler);
            if (key.isValid()) {
                // The handler could not close itself: stop selecting its channel, or it would fail (and spin) forever.
                key.cancel();
                try {
                    key.channel().close();
                } catch (IOException | RuntimeException e) {
                    log.debug("closing the channel of {} failed", handler, e);
                }
            }
        }
    }

    private void closeQuietly(IoHandler handler) {
        try {
            handler.closeForShutdown();
        } catch (Throwable t) {
            log.debug("closing {} failed", handler, t);
        }
    }

    private ScheduledTask nextTimer() {
        if (cancelledTimers.get() > 64 && cancelledTimers.get() > timers.size() / 2) {
            purgeCancelledTimers();
        }
        ScheduledTask head;
        while ((head = timers.peek()) != null && head.isCancelled()) {
            timers.poll();
            pendingTimers.decrementAndGet();
        }
        return head;
    }

    private void runDueTimers() {
        long now = System.nanoTime();
        ScheduledTask head;
        while ((head = timers.peek()) != null && head.deadlineNanos() - now <= 0) {
            timers.poll();
            pendingTimers.decrementAndGet();
            tasksRun++;
            try {
                head.run();
            } catch (Throwable t) {
                timerFaults.warn("scheduled task threw", t);
            }
        }
    }

    private int runTasks(int max) {
        int ran = 0;
        Runnable task;
        while (ran < max && (task = tasks.relaxedPoll()) != null) {
            ran++;
            try {
                task.run();
            } catch (Throwable t) {
                taskFaults.warn("task threw", t);
            }
        }
        if (ran > 0) {
            tasksRun += ran;
        }
        return ran;
    }

    private void closeAll() {
        List<IoHandler> handlers = new ArrayList<>();
        try {
            for (SelectionKey key : selector.keys()) {
                if (key.isValid() && key.attachment() instanceof IoHandler handler) {
                    handlers.add(handler);
                }
            }
        } catch (ClosedSelectorException ignored) {
            return;
        }
        for (IoHandler handler : handlers) {
            try {
                handler.closeForShutdown();
            } catch (Throwable t) {
                log.debug("closing {} on shutdown failed", handler, t);
            }
        }
        try {
            selector.selectNow();
        } catch (IOException | RuntimeException e) {
            log.debug("selectNow during shutdown failed", e);
        }
    }

    private boolean confirmShutdown() {
        if (System.nanoTime() - shutdownDeadlineNanos >= 0) {
            return true;
        }
        return tasks.isEmpty() && selector.keys().isEmpty();
    }

    @Override
    public String toString() {
        return "EventLoop(" + thread.getName() + ", channels: " + channelCount.get() + ")";
    }
}
