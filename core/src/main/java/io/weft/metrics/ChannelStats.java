package io.weft.metrics;

import io.weft.channel.Channel;
import java.net.SocketAddress;

/**
 * Counters of one open channel, kept by the handlers of a {@link TrafficMetrics}. Written only on the channel's
 * loop; readable from any thread (each value is current, the set of values is not one atomic snapshot).
 */
public final class ChannelStats {

    private final long channelId;
    private final SocketAddress local;
    private final SocketAddress remote;
    private final long openedAtMillis;
    volatile long bytesRead;
    volatile long bytesWritten;
    volatile long messagesRead;
    volatile long messagesWritten;
    volatile long errors;
    /** Set once a message counter joined the pipeline: from then on it counts the errors. */
    volatile boolean messageCounterPresent;

    ChannelStats(Channel channel) {
        this.channelId = channel.id();
        this.local = channel.localAddress();
        this.remote = channel.remoteAddress();
        this.openedAtMillis = System.currentTimeMillis();
    }

    /** The channel's {@link Channel#id()}. */
    public long channelId() {
        return channelId;
    }

    /** The local address when the channel opened. */
    public SocketAddress localAddress() {
        return local;
    }

    /** The remote address when the channel opened ({@code null} for an unconnected UDP channel). */
    public SocketAddress remoteAddress() {
        return remote;
    }

    /** When the channel became active, in milliseconds since the epoch. */
    public long openedAtMillis() {
        return openedAtMillis;
    }

    /** Bytes received from the transport. */
    public long bytesRead() {
        return bytesRead;
    }

    /** Bytes handed to the transport for writing. */
    public long bytesWritten() {
        return bytesWritten;
    }

    /** Messages that reached the message counter inbound (0 without one). */
    public long messagesRead() {
        return messagesRead;
    }

    /** Messages that passed the message counter outbound (0 without one). */
    public long messagesWritten() {
        return messagesWritten;
    }

    /** Exceptions counted on this channel. */
    public long errors() {
        return errors;
    }

    @Override
    public String toString() {
        return "ChannelStats#" + channelId + "(" + remote + ", in " + bytesRead + " B, out " + bytesWritten + " B)";
    }
}
