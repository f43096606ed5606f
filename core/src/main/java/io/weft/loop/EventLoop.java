package io.weft.loop;

import io.weft.internal.log.ThrottledLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
 * <p>Loops are created by an {@link EventLoopGroup} and start their thread at once. The one other kind is
 * {@link EmbeddedEventLoop}, which has no thread and runs its work on the caller's thread, for tests.
 */
public sealed class EventLoop implements Executor permits EmbeddedEventLoop {

    private static final Logger log = LoggerFactory.getLogger(EventLoop.class);
    /** Faults of handlers and tasks run by a loop: WARN with the trace, at most a few per minute per site. */
    private static final ThrottledLog dispatchFaults = new ThrottledLog(log);
    private static final ThrottledLog timerFaults = new ThrottledLog(log);
    private static final ThrottledLog taskFaults = new ThrottledLog(log);
    private static final VarHandle STATE;
    private static final int AWAKE = 0;
    private static final int SELECTING = 1;
    private static final int MAX_TASKS_PER_ITERATION = 4096;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(EventLoop.class, "wakeState", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final EventLoopGroup group;
    private final Selector selector;
    private final Thread thread;
    private final MpscUnboundedArrayQueue<Runnable> tasks = new MpscUnboundedArrayQueue<>(1024);
    private final PriorityQueue<ScheduledTask> timers = new PriorityQueue<>();
    private final AtomicInteger channelCount = new AtomicInteger();
    private final AtomicInteger cancelledTimers = new AtomicInteger();
    private final CompletableFuture<Void> terminationFuture = new CompletableFuture<>();
    private final Consumer<SelectionKey> dispatcher = this::dispatch;
    private final AtomicLong timerSequence = new AtomicLong();
    /** Written only by the loop thread; volatile so other threads can read them as metrics. */
    private volatile long tasksRun;
    private volatile long selects;
    private volatile long selectedKeys;
    private volatile int wakeState;
    private volatile boolean shuttingDown;
    private volatile long shutdownDeadlineNanos;
    private volatile boolean terminated;

    EventLoop(EventLoopGroup group, String threadName) {
        this.group = group;
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
     * submitting thread run in submission order.
     *
     * @throws RejectedExecutionException if the loop has terminated
     */
    @Override
    public void execute(Runnable task) {
        if (task == null) {
            throw new NullPointerException("task");
        }
        if (terminated) {
            throw new RejectedExecutionException("event loop " + thread.getName() + " has terminated");
        }
        tasks.offer(task);
        if (!inLoop()) {
            wakeup();
        }
    }

    private void wakeup() {
        if (wakeState == SELECTING && STATE.compareAndSet(this, SELECTING, AWAKE)) {
            selector.wakeup();
        }
    }

    /**
     * Runs {@code task} on the loop thread once {@code delay} has passed. Safe from any thread.
     *
     * @return a handle that can cancel the task
     */
    public ScheduledTask schedule(Runnable task, long delay, TimeUnit unit) {
        long deadline = System.nanoTime() + Math.max(0, unit.toNanos(delay));
        ScheduledTask scheduled = new ScheduledTask(this, task, deadline, timerSequence.getAndIncrement());
        if (inLoop()) {
            timers.add(scheduled);
        } else {
            execute(() -> {
                if (scheduled.isWaiting()) {
                    timers.add(scheduled);
                }
            });
        }
        return scheduled;
    }

    /** Tasks queued by {@link #execute} and not yet run; approximate when read outside the loop. */
    public int pendingTasks() {
        return tasks.size();
    }

    /** Tasks (including timers) this loop has run since it started, counting those that threw. */
    public long tasksRun() {
        return tasksRun;
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

    /**
     * Registers {@code channel} with this loop's selector for {@code interestOps}; {@code handler} receives the
     * readiness events and, on the loop thread, {@link IoHandler#registered} or
     * {@link IoHandler#registrationFailed}. Counts the channel toward {@link #channelCount()} at once, so that a
     * {@link LoopChooser} sees it before the registration has run. Safe from any thread; for channel
     * implementations. A handler that was registered must eventually call {@link #deregister}.
     */
    public void register(SelectableChannel channel, int interestOps, IoHandler handler) {
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

    /** Cancels {@code key} and stops counting its channel. Loop thread only; for channel implementations. */
    public void deregister(SelectionKey key) {
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
            while (true) {
                select();
                selects++;
                runDueTimers();
                runTasks(MAX_TASKS_PER_ITERATION);
                if (shuttingDown) {
                    closeAll();
                    if (confirmShutdown()) {
                        break;
                    }
                }
            }
        } catch (Throwable t) {
            log.error("event loop {} died", thread.getName(), t);
        } finally {
            terminated = true;
            runTasks(Integer.MAX_VALUE);
            try {
                selector.close();
            } catch (IOException e) {
                log.debug("closing selector failed", e);
            }
            timers.clear();
            terminationFuture.complete(null);
        }
    }

    private void select() throws IOException {
        if (!tasks.isEmpty() || shuttingDown) {
            selector.selectNow(dispatcher);
            return;
        }
        long timeoutMillis = -1;
        ScheduledTask next = nextTimer();
        if (next != null) {
            long delay = next.delayNanos();
            if (delay <= 0) {
                selector.selectNow(dispatcher);
                return;
            }
            timeoutMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(delay + 999_999));
        }
        STATE.setVolatile(this, SELECTING);
        try {
            // A task offered before this point is seen here; one offered after sees SELECTING and wakes us.
            if (!tasks.isEmpty() || shuttingDown) {
                selector.selectNow(dispatcher);
            } else if (timeoutMillis < 0) {
                selector.select(dispatcher);
            } else {
                selector.select(dispatcher, timeoutMillis);
            }
        } finally {
            STATE.setVolatile(this, AWAKE);
        }
    }

    private void dispatch(SelectionKey key) {
        selectedKeys++;
        IoHandler handler = (IoHandler) key.attachment();
        try {
            handler.ready(key);
        } catch (Throwable t) {
            dispatchFaults.warn("unexpected exception dispatching readiness to {}", handler, t);
        }
    }

    private ScheduledTask nextTimer() {
        if (cancelledTimers.get() > 64 && cancelledTimers.get() > timers.size() / 2) {
            timers.removeIf(ScheduledTask::isCancelled);
            cancelledTimers.set(0);
        }
        ScheduledTask head;
        while ((head = timers.peek()) != null && head.isCancelled()) {
            timers.poll();
        }
        return head;
    }

    private void runDueTimers() {
        long now = System.nanoTime();
        ScheduledTask head;
        while ((head = timers.peek()) != null && head.deadlineNanos() - now <= 0) {
            timers.poll();
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
        } catch (java.nio.channels.ClosedSelectorException ignored) {
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
        } catch (IOException e) {
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
