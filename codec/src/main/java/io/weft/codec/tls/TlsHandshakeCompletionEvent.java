package io.weft.codec.tls;

import javax.net.ssl.SSLSession;

/**
 * User event fired by {@link TlsHandler} once the handshake has ended, successfully or not. Handlers after the
 * {@code TlsHandler} receive it in {@link io.weft.pipeline.Handler#userEvent}. On success it carries the
 * negotiated protocol version, cipher suite and ALPN protocol; on failure, the cause (a
 * {@link TlsHandshakeException} or another {@link TlsException}).
 */
public final class TlsHandshakeCompletionEvent {

    private final Throwable cause;
    private final SSLSession session;
    private final String protocol;
    private final String cipherSuite;
    private final String applicationProtocol;

    private TlsHandshakeCompletionEvent(Throwable cause, SSLSession session, String applicationProtocol) {
        this.cause = cause;
        this.session = session;
        this.protocol = session == null ? null : session.getProtocol();
        this.cipherSuite = session == null ? null : session.getCipherSuite();
        this.applicationProtocol = applicationProtocol;
    }

    /** A successful handshake that negotiated {@code session} and (may be {@code null}) {@code alpn}. */
    public static TlsHandshakeCompletionEvent success(SSLSession session, String alpn) {
        return new TlsHandshakeCompletionEvent(null, session, alpn);
    }

    /** A failed handshake. */
    public static TlsHandshakeCompletionEvent failure(Throwable cause) {
        if (cause == null) {
            throw new NullPointerException("cause");
        }
        return new TlsHandshakeCompletionEvent(cause, null, null);
    }

    /** Whether the handshake succeeded. */
    public boolean isSuccess() {
        return cause == null;
    }

    /** Why the handshake failed, or {@code null} if it succeeded. */
    public Throwable cause() {
        return cause;
    }

    /** The negotiated session, or {@code null} on failure. */
    public SSLSession session() {
        return session;
    }

    /** The negotiated protocol version, for example {@code "TLSv1.3"}; {@code null} on failure. */
    public String protocol() {
        return protocol;
    }

    /** The negotiated cipher suite, for example {@code "TLS_AES_256_GCM_SHA384"}; {@code null} on failure. */
    public String cipherSuite() {
        return cipherSuite;
    }

    /** The protocol agreed by ALPN, for example {@code "h2"}; {@code null} if none was negotiated. */
    public String applicationProtocol() {
        return applicationProtocol;
    }

    @Override
    public String toString() {
        return isSuccess()
                ? "TlsHandshakeCompletionEvent(success, " + protocol + ", " + cipherSuite
                        + (applicationProtocol == null ? "" : ", alpn=" + applicationProtocol) + ")"
                : "TlsHandshakeCompletionEvent(failure: " + cause + ")";
    }
}
