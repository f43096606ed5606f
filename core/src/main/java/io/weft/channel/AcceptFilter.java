package io.weft.channel;

import java.net.InetSocketAddress;

/**
 * Decides whether a freshly accepted TCP connection is served. Set on a listening channel with
 * {@link ChannelOption#ACCEPT_FILTER} (for example {@code Server.builder().option(ChannelOption.ACCEPT_FILTER,
 * filter)}); {@link io.weft.handler.access.IpFilter} is the ready-made implementation.
 *
 * <p>{@link #accept} runs on the acceptor loop right after the {@code accept} system call, before a channel, a
 * pipeline, a selector registration or any TLS state exists. A refused connection is closed at once: not a byte of
 * it is read. For every connection that was accepted, {@link #closed} is called exactly once when it closes (on the
 * connection's own loop), also when setting it up failed; a filter that counts connections per address balances its
 * books there.
 *
 * <p><b>Thread safety:</b> one filter may serve several listening channels and its {@link #closed} is called from
 * worker loops, so implementations must be thread-safe. Both methods run on event loop threads and must not block.
 * An exception from {@link #accept} refuses the connection (the filter fails closed).
 */
public interface AcceptFilter {

    /**
     * Whether to serve a connection from {@code remote}.
     *
     * @return {@code true} to serve it, {@code false} to close it at once
     */
    boolean accept(InetSocketAddress remote);

    /** A connection this filter accepted has closed. Does nothing by default. */
    default void closed(InetSocketAddress remote) {
    }
}
