package io.weft.codec.tls;

import java.security.GeneralSecurityException;

/**
 * A private key does not belong to the certificate it was paired with: a server built from them would fail every
 * handshake. Raised by {@link TlsContexts} when it loads key material, so that the mistake shows at start-up.
 */
public class CertificateKeyMismatchException extends GeneralSecurityException {

    private static final long serialVersionUID = 1L;

    /** @param message names both files (or the key store alias) and what differs */
    public CertificateKeyMismatchException(String message) {
        super(message);
    }
}
