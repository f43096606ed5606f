package io.weft.metrics;

/**
 * The JMX view of a monitored loop's {@link LoopStats}
 * ({@code io.weft:type=EventLoop,name="NAME",group="LABEL",loop=INDEX}).
 */
public interface EventLoopMXBean {

    /** Tasks waiting in the queue. */
    int getPendingTasks();

    /** Tasks and timers run. */
    long getTasksRun();

    /** Wake-ups from the selector. */
    long getSelectCount();

    /** Ready keys reported by the selector. */
    long getSelectedKeys();

    /** Average ready keys per wake-up. */
    double getSelectedKeysPerWakeup();

    /** Channels registered with the loop. */
    int getChannelCount();

    /** Lag probes recorded. */
    long getLagCount();

    /** Mean lag of the probe timer, in seconds. */
    double getLagMeanSeconds();

    /** Largest lag of the probe timer, in seconds. */
    double getLagMaxSeconds();
}
