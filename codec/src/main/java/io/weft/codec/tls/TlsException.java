package io.weft.codec.tls;

import io.weft.codec.DecoderException;

/**
 * A TLS connection failed: the peer sent something that is not valid TLS, a record exceeded a limit, or the
 * {@link javax.net.ssl.SSLEngine} reported an error. The connection it happened on is closed; others go on.
 * Messages name what was seen.
 */
public class TlsException extends DecoderException {

    /** @param message what went wrong, naming the limit or the value seen */
    public TlsException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong
     * @param cause   the underlying error, typically an {@link javax.net.ssl.SSLException}
     */
    public TlsException(String message, Throwable cause) {
        super(message, cause);
    }
}
