package io.weft.loop;

import java.util.concurrent.RejectedExecutionException;

/**
 * Thrown when a task or timer is offered to an {@link EventLoop} whose queue of pending tasks or heap of pending
 * timers is at its bound ({@link EventLoopGroup.Builder#maxPendingTasks}, {@link EventLoopGroup.Builder#maxTimers}).
 * The loop goes on; the offer is refused so that a producer faster than the loop meets back-pressure instead of
 * filling the heap. A write offered from outside the loop fails its promise with this exception and releases its
 * message.
 *
 * <p>It extends {@link RejectedExecutionException}, so code that handles a terminated loop handles this too;
 * {@link #bound()} tells which limit was hit.
 */
public final class LoopOverloadedException extends RejectedExecutionException {

    private static final long serialVersionUID = 1L;

    /** Which bound refused the offer. */
    public enum Bound {
        /** Tasks queued by {@link EventLoop#execute} from other threads and not yet run. */
        PENDING_TASKS,
        /** Timers scheduled and not yet run, cancelled or purged. */
        TIMERS
    }

    private final transient Bound bound;

    LoopOverloadedException(String loopName, Bound bound, int limit) {
        super("event loop " + loopName + ": " + (bound == Bound.TIMERS ? "timer heap" : "task queue")
                + " is full (" + limit + ")");
        this.bound = bound;
    }

    /** The limit that was reached. */
    public Bound bound() {
        return bound;
    }
}
