package io.weft.codec;

import io.weft.channel.PeerCaused;

/**
 * Inbound data could not be decoded. Messages name the limit and the value seen. {@link PeerCaused}: unhandled, it
 * is logged as one DEBUG line (unless its cause is a bug, such as an unchecked exception thrown by a decoder).
 */
public class DecoderException extends CodecException implements PeerCaused {

    /** @param message what went wrong, naming the limit and the value seen */
    public DecoderException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong
     * @param cause   the underlying error
     */
    public DecoderException(String message, Throwable cause) {
        super(message, cause);
    }
}
