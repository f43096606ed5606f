package io.weft.codec.crypto;

/**
 * A frame failed authentication: a flipped bit, a truncated or extended frame, a frame forged or encrypted under
 * another key (a wrong pre-shared secret).
 */
public class FrameAuthenticationException extends FrameCryptoException {

    private static final long serialVersionUID = 1L;

    /** With a message. */
    public FrameAuthenticationException(String message) {
        super(message);
    }

    /** With the JCA's failure as cause. */
    public FrameAuthenticationException(String message, Throwable cause) {
        super(message, cause);
    }
}
