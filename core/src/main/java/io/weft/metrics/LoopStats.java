package io.weft.metrics;

import io.weft.loop.EventLoop;
import io.weft.loop.ScheduledTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Metrics of one event loop: queue depth, tasks run, selector wake-ups and the keys they reported, and the loop
 * lag, measured by a probe timer that {@link TrafficMetrics#monitor} schedules on the loop every interval and that
 * records how late it ran. A loop busy with long handlers or a flood of tasks runs its timers late; the lag
 * histogram shows by how much.
 */
public final class LoopStats {

    private final EventLoop loop;
    private final String group;
    private final int index;
    private final long intervalNanos;
    private final Histogram lag = new Histogram(Histogram.LAG_BUCKETS);
    private volatile boolean stopped;
    private volatile ScheduledTask next;

    LoopStats(EventLoop loop, String group, int index, long intervalNanos) {
        this.loop = loop;
        this.group = group;
        this.index = index;
        this.intervalNanos = intervalNanos;
    }

    void start() {
        scheduleProbe();
    }

    private void scheduleProbe() {
        if (stopped || loop.isShuttingDown()) {
            return;
        }
        long expected = System.nanoTime() + intervalNanos;
        try {
            next = loop.schedule(() -> {
                lag.recordNanos(System.nanoTime() - expected);
                scheduleProbe();
            }, intervalNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            stopped = true; // the loop has terminated
        }
    }

    void stop() {
        stopped = true;
        ScheduledTask t = next;
        if (t != null) {
            t.cancel();
        }
    }

    /** The label of the loop's group, as given to {@link TrafficMetrics#monitor}. */
    public String group() {
        return group;
    }

    /** The loop's index in its group. */
    public int index() {
        return index;
    }

    /** The loop. */
    public EventLoop loop() {
        return loop;
    }

    /** Tasks waiting in the loop's queue (approximate). */
    public int pendingTasks() {
        return loop.pendingTasks();
    }

    /** Tasks and timers the loop has run. */
    public long tasksRun() {
        return loop.tasksRun();
    }

    /** Times the loop returned from its selector. */
    public long selectCount() {
        return loop.selectCount();
    }

    /** Ready keys the selector reported in all. */
    public long selectedKeys() {
        return loop.selectedKeys();
    }

    /** Average ready keys per wake-up since the loop started (0 before the first). */
    public double selectedKeysPerWakeup() {
        long selects = loop.selectCount();
        return selects == 0 ? 0 : (double) loop.selectedKeys() / selects;
    }

    /** Channels registered with the loop. */
    public int channelCount() {
        return loop.channelCount();
    }

    /** How late the probe timer ran, in seconds. */
    public Histogram lag() {
        return lag;
    }
}
