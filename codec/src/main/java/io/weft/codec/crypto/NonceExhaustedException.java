package io.weft.codec.crypto;

/**
 * A direction of an {@link AeadCodec} connection has sent (or been sent) as many frames as its limit allows; the
 * connection is closed rather than risk a nonce being reused. Reconnect to get fresh keys.
 */
public class NonceExhaustedException extends FrameCryptoException {

    private static final long serialVersionUID = 1L;

    /** With a message naming the limit. */
    public NonceExhaustedException(String message) {
        super(message);
    }
}
