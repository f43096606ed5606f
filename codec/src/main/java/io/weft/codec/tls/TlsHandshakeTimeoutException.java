package io.weft.codec.tls;

/** The TLS handshake did not complete within the configured handshake timeout. */
public class TlsHandshakeTimeoutException extends TlsHandshakeException {

    /** @param message names the timeout */
    public TlsHandshakeTimeoutException(String message) {
        super(message);
    }
}
