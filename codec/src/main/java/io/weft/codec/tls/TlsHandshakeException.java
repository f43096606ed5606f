package io.weft.codec.tls;

/**
 * The TLS handshake failed: the peer's certificate is not trusted, no protocol version, cipher suite or ALPN
 * protocol is shared, the client did not present a required certificate, or the connection closed during the
 * handshake. The cause is the {@link javax.net.ssl.SSLException} the engine raised, if any.
 */
public class TlsHandshakeException extends TlsException {

    /** @param message what went wrong */
    public TlsHandshakeException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong
     * @param cause   the underlying error
     */
    public TlsHandshakeException(String message, Throwable cause) {
        super(message, cause);
    }
}
