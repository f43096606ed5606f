package io.weft.codec.crypto;

import io.weft.codec.CodecException;

/**
 * Base of the errors of {@link AeadCodec}. Each closes the connection; subclasses say what went wrong.
 */
public class FrameCryptoException extends CodecException {

    private static final long serialVersionUID = 1L;

    /** With a message naming the frame and the limit or value seen. */
    public FrameCryptoException(String message) {
        super(message);
    }

    /** With a cause. */
    public FrameCryptoException(String message, Throwable cause) {
        super(message, cause);
    }
}
