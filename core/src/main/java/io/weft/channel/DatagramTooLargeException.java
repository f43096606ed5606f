package io.weft.channel;

import java.net.InetSocketAddress;

/**
 * A received datagram was larger than {@link ChannelOption#MAX_DATAGRAM_SIZE}. The {@link UdpChannel} dropped it
 * (rather than pass on a truncated payload) and fired this exception; the channel stays open.
 */
public class DatagramTooLargeException extends RuntimeException implements PeerCaused {

    private final InetSocketAddress sender;
    private final int limit;

    /**
     * @param sender where the datagram came from
     * @param limit  the configured maximum datagram size in bytes
     */
    public DatagramTooLargeException(InetSocketAddress sender, int limit) {
        super("datagram from " + sender + " exceeds limit " + limit + " bytes (received more than " + limit
                + "); dropped");
        this.sender = sender;
        this.limit = limit;
    }

    /** Where the dropped datagram came from. */
    public InetSocketAddress sender() {
        return sender;
    }

    /** The configured maximum datagram size in bytes. */
    public int limit() {
        return limit;
    }
}
