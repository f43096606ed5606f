package io.weft.codec.tls;

import io.weft.codec.CodecException;

/**
 * A write could not be queued by a {@link TlsHandler} because the bytes it already holds for writing (writes
 * made before the handshake completed, or behind a file being streamed) would exceed its bound
 * ({@link TlsHandler.Builder#maxPendingWriteBytes}). The write is released and fails; the connection stays open.
 * Writers that respect {@code Channel.isWritable()} never see it: the queued bytes count toward the channel's
 * write-buffer watermarks. A misuse by the application, not the peer's doing, so it is no {@code TlsException}
 * (those are input errors).
 */
public class TlsWriteQueueFullException extends CodecException {

    /** @param message the bound and the sizes seen */
    public TlsWriteQueueFullException(String message) {
        super(message);
    }
}
