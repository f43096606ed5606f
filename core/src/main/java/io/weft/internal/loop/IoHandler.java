package io.weft.internal.loop;

import java.nio.channels.SelectionKey;

/**
 * The part of a channel an {@link io.weft.loop.EventLoop} talks to. Implemented by Weft's channel classes and
 * registered through {@link LoopAccess}; application code never implements or calls it. Every method is called on
 * the loop's thread. Not API (the package is not exported).
 */
public interface IoHandler {

    /** Registration with the loop's selector succeeded ({@code key} is {@code null} on an embedded loop). */
    void registered(SelectionKey key);

    /** Registration failed (for example because the loop is shutting down); the channel should close. */
    void registrationFailed(Throwable cause);

    /** The key's channel is ready for the operations in {@code key.readyOps()}. */
    void ready(SelectionKey key);

    /**
     * The loop replaced its selector (after it kept failing or spinning) and moved this channel to it:
     * {@code newKey} replaces the key passed to {@link #registered}, with the same interest set and attachment.
     */
    void selectorRebuilt(SelectionKey newKey);

    /** The loop is shutting down (or could not keep serving this channel): close now, failing pending work. */
    void closeForShutdown();
}
