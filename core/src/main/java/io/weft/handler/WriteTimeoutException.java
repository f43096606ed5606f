package io.weft.handler;

import io.weft.channel.PeerCaused;

/** A write did not complete within the {@link WriteTimeoutHandler}'s timeout; the channel was closed. */
public class WriteTimeoutException extends RuntimeException implements PeerCaused {

    private final long timeoutMillis;
    private final long pendingMillis;

    /**
     * @param timeoutMillis the configured write timeout
     * @param pendingMillis how long the oldest unfinished write had been pending
     */
    public WriteTimeoutException(long timeoutMillis, long pendingMillis) {
        super("a write has been pending for " + pendingMillis + " ms: write timeout " + timeoutMillis
                + " ms exceeded");
        this.timeoutMillis = timeoutMillis;
        this.pendingMillis = pendingMillis;
    }

    /** The configured write timeout in milliseconds. */
    public long timeoutMillis() {
        return timeoutMillis;
    }

    /** How long the oldest unfinished write had been pending when the timeout fired, in milliseconds. */
    public long pendingMillis() {
        return pendingMillis;
    }
}
