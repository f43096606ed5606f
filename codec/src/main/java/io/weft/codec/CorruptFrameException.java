package io.weft.codec;

/** The bytes on the wire do not form a valid frame: bad length field, truncated frame, bad header. Messages name the limit and the value seen. */
public class CorruptFrameException extends DecoderException {

    /** @param message what went wrong, naming the limit and the value seen */
    public CorruptFrameException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong
     * @param cause   the underlying error
     */
    public CorruptFrameException(String message, Throwable cause) {
        super(message, cause);
    }
}
