package io.weft.codec;

/** A frame's checksum does not match its content. Messages name the limit and the value seen. */
public class ChecksumMismatchException extends DecoderException {

    /** @param message what went wrong, naming the limit and the value seen */
    public ChecksumMismatchException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong
     * @param cause   the underlying error
     */
    public ChecksumMismatchException(String message, Throwable cause) {
        super(message, cause);
    }
}
