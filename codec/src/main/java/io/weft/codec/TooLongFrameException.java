package io.weft.codec;

/** A frame (or the data accumulated while waiting for one) is longer than the configured limit. Messages name the limit and the value seen. */
public class TooLongFrameException extends DecoderException {

    /** @param message what went wrong, naming the limit and the value seen */
    public TooLongFrameException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong
     * @param cause   the underlying error
     */
    public TooLongFrameException(String message, Throwable cause) {
        super(message, cause);
    }
}
