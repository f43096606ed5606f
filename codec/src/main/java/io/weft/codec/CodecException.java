package io.weft.codec;

/** Base class of the errors raised by codec stages; unchecked so they travel through the pipeline's exception path. Messages name the limit and the value seen. */
public class CodecException extends RuntimeException {

    /** @param message what went wrong, naming the limit and the value seen */
    public CodecException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong
     * @param cause   the underlying error
     */
    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
