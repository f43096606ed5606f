package io.weft.handler;

import io.weft.channel.PeerCaused;

/** Nothing was read within the {@link ReadTimeoutHandler}'s timeout; the channel was closed. */
public class ReadTimeoutException extends RuntimeException implements PeerCaused {

    private final long timeoutMillis;

    /** @param timeoutMillis the configured read timeout */
    public ReadTimeoutException(long timeoutMillis) {
        super("no data read for " + timeoutMillis + " ms: read timeout " + timeoutMillis + " ms exceeded");
        this.timeoutMillis = timeoutMillis;
    }

    /** The configured read timeout in milliseconds. */
    public long timeoutMillis() {
        return timeoutMillis;
    }
}
