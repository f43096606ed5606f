package io.weft.loop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A task scheduled on an {@link EventLoop}'s timer heap. It runs once, on the loop thread, at or shortly after
 * its deadline, unless cancelled first. {@link #cancel()} may be called from any thread.
 */
public final class ScheduledTask implements Comparable<ScheduledTask> {

    private static final VarHandle STATE;
    private static final int WAITING = 0;
    private static final int RUNNING = 1;
    private static final int DONE = 2;
    private static final int CANCELLED = 3;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(ScheduledTask.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final EventLoop loop;
    private final Runnable task;
    private final long deadlineNanos;
    private final long sequence;
    private volatile int state;

    ScheduledTask(EventLoop loop, Runnable task, long deadlineNanos, long sequence) {
        this.loop = loop;
        this.task = task;
        this.deadlineNanos = deadlineNanos;
        this.sequence = sequence;
    }

    /** The {@linkplain EventLoop#nanoTime() loop time} at which the task becomes due. */
    public long deadlineNanos() {
        return deadlineNanos;
    }

    /** Nanoseconds until the deadline; negative once due. */
    public long delayNanos() {
        return deadlineNanos - loop.nanoTime();
    }

    /**
     * Prevents the task from running if it has not started yet.
     *
     * @return {@code true} if this call cancelled it
     */
    public boolean cancel() {
        if (STATE.compareAndSet(this, WAITING, CANCELLED)) {
            loop.timerCancelled();
            return true;
        }
        return false;
    }

    /** Whether {@link #cancel()} succeeded. */
    public boolean isCancelled() {
        return state == CANCELLED;
    }

    /** Whether the task ran (or failed) or was cancelled. */
    public boolean isDone() {
        return state >= DONE;
    }

    boolean isWaiting() {
        return state == WAITING;
    }

    /** Runs the task unless it was cancelled; called on the loop thread. */
    void run() {
        if (STATE.compareAndSet(this, WAITING, RUNNING)) {
            try {
                task.run();
            } finally {
                state = DONE;
            }
        }
    }

    @Override
    public int compareTo(ScheduledTask o) {
        int c = Long.compare(deadlineNanos - o.deadlineNanos, 0);
        return c != 0 ? c : Long.compare(sequence, o.sequence);
    }
}
