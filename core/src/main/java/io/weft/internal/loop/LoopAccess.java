package io.weft.internal.loop;

import io.weft.loop.EventLoop;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;

/**
 * How Weft's channels register with an {@link EventLoop}: the loop's registration methods are package-private, and
 * {@code EventLoop}'s static initializer installs the one implementation of this interface in
 * {@link io.weft.internal.access.SharedSecrets}. Not API (the package is not exported).
 */
public interface LoopAccess {

    /**
     * Registers {@code channel} with {@code loop}'s selector for {@code interestOps}; {@code handler} receives the
     * readiness events and, on the loop thread, {@link IoHandler#registered} or {@link IoHandler#registrationFailed}.
     * Counts the channel toward {@link EventLoop#channelCount()} at once. Safe from any thread. A handler that was
     * registered must eventually be {@linkplain #deregister deregistered}.
     */
    void register(EventLoop loop, SelectableChannel channel, int interestOps, IoHandler handler);

    /** Cancels {@code key} (may be {@code null}) and stops counting its channel. Loop thread only. */
    void deregister(EventLoop loop, SelectionKey key);
}
