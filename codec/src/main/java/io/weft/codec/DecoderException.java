package io.weft.codec;

/** Inbound data could not be decoded. Messages name the limit and the value seen. */
public class DecoderException extends CodecException {

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
