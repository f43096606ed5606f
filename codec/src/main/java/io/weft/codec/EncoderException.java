package io.weft.codec;

/** An outbound message could not be encoded. Messages name the limit and the value seen. */
public class EncoderException extends CodecException {

    /** @param message what went wrong, naming the limit and the value seen */
    public EncoderException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong
     * @param cause   the underlying error
     */
    public EncoderException(String message, Throwable cause) {
        super(message, cause);
    }
}
