package io.weft.codec.crypto;

/**
 * The key exchange of {@link AeadCodec} failed: a malformed or foreign hello, an unsupported version, a different
 * algorithm at the peer, a reflected hello, a key confirmation that did not verify (different pre-shared secrets),
 * or no completion within the handshake timeout.
 */
public class AeadHandshakeException extends FrameCryptoException {

    private static final long serialVersionUID = 1L;

    /** With a message. */
    public AeadHandshakeException(String message) {
        super(message);
    }

    /** With a cause. */
    public AeadHandshakeException(String message, Throwable cause) {
        super(message, cause);
    }
}
