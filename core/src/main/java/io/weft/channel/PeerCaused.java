package io.weft.channel;

import java.io.IOException;

/**
 * Marks an exception as caused by the remote peer rather than by this process: malformed or oversized input, a
 * peer that stopped reading or sending in time, plaintext on a TLS port, a failed handshake. Such an exception
 * ends its connection, but it is not a fault of the program: when it reaches the end of a pipeline unhandled,
 * Weft logs it as one DEBUG line without a stack trace. Anything else that reaches the end of a pipeline is a
 * fault of a handler or of Weft and is logged at WARN with its stack trace (rate-limited).
 *
 * <p>Weft's own typed input errors implement it (every {@code io.weft.codec.DecoderException}, the read and
 * write timeouts, {@link DatagramTooLargeException}); a codec of your own can implement it on its exception
 * types. A handler can use {@link #isPeerCaused(Throwable)} to log the same way in its own
 * {@code exceptionCaught}.
 */
public interface PeerCaused {

    /**
     * Whether {@code cause} was caused by the peer: an {@link IOException} (reset, broken pipe, end of stream,
     * a TLS alert) or a {@link PeerCaused} exception, provided that nothing in its chain of causes is an
     * {@link Error} or an unchecked exception that is not itself {@link PeerCaused} (a bug wrapped in a decoder
     * exception is still a bug).
     *
     * @param cause the exception to classify; {@code null} gives {@code false}
     * @return {@code true} if it should be logged as one DEBUG line
     */
    static boolean isPeerCaused(Throwable cause) {
        if (!(cause instanceof IOException) && !(cause instanceof PeerCaused)) {
            return false;
        }
        Throwable c = cause.getCause();
        for (int depth = 0; c != null && c != cause && depth < 16; depth++) {
            if (c instanceof Error || (c instanceof RuntimeException && !(c instanceof PeerCaused))) {
                return false;
            }
            c = c.getCause();
        }
        return true;
    }
}
