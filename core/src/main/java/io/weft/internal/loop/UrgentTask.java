package io.weft.internal.loop;

/**
 * Marks a task that Weft itself hands to a loop from another thread and that must not be refused for a full
 * task queue (closing a channel, correcting its byte counts): dropping it would leak the channel or corrupt its
 * state, and it frees resources rather than taking them. A loop still refuses it once it has terminated. Internal:
 * applications' tasks are always subject to the loop's bound.
 */
@FunctionalInterface
public interface UrgentTask extends Runnable {

    /** {@code task} as an urgent task. */
    static UrgentTask of(Runnable task) {
        return task::run;
    }
}
