package io.weft.metrics;

import java.util.Map;

/** The JMX view of a {@link TrafficMetrics} ({@code io.weft:type=Traffic,name="NAME"}); see its getters. */
public interface TrafficMXBean {

    /** Connections opened so far. */
    long getConnectionsOpened();

    /** Connections closed so far. */
    long getConnectionsClosed();

    /** Connections open now. */
    long getActiveConnections();

    /** Bytes read. */
    long getBytesRead();

    /** Bytes written. */
    long getBytesWritten();

    /** Messages read. */
    long getMessagesRead();

    /** Messages written. */
    long getMessagesWritten();

    /** Exceptions counted, all types. */
    long getErrorCount();

    /** Exceptions counted by class name. */
    Map<String, Long> getErrors();

    /** Connections accepted by the watched IP filters. */
    long getFilterAccepted();

    /** Connections refused by the watched IP filters. */
    long getFilterRefused();
}
