package io.weft.codec;

/** Decompressing a message would exceed the configured maximum size (for example a compression bomb). Messages name the limit and the value seen. */
public class DecompressionLimitException extends DecoderException {

    /** @param message what went wrong, naming the limit and the value seen */
    public DecompressionLimitException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong
     * @param cause   the underlying error
     */
    public DecompressionLimitException(String message, Throwable cause) {
        super(message, cause);
    }
}
