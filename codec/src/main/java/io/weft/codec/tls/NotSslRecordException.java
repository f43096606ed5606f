package io.weft.codec.tls;

/**
 * The bytes received on a TLS connection are not a TLS record: the peer is speaking plaintext (HTTP, for
 * example) or sending garbage. The message shows the first bytes seen.
 */
public class NotSslRecordException extends TlsException {

    /** @param message what was seen instead of a TLS record header */
    public NotSslRecordException(String message) {
        super(message);
    }
}
