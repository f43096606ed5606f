package io.weft.codec.tls;

import java.util.Set;

/**
 * Implemented by a pipeline stage that speaks one or more ALPN protocols (RFC 7301), so that a {@link TlsHandler}
 * in the same pipeline negotiates only what the pipeline can serve. {@code HttpServerCodec} and
 * {@code HttpClientCodec} declare {@code "http/1.1"} and {@code "http/1.0"}.
 *
 * <p>A server {@link TlsHandler} configured with {@link TlsHandler.Builder#applicationProtocols} looks, when the
 * first bytes of the handshake arrive, at the stages after it: if some declare protocols, it selects only among
 * the configured protocols they declare. A configured protocol no stage serves (say {@code "h2"} in front of an
 * HTTP/1.1 codec) is logged once per builder at WARN and never selected, so a client offering
 * {@code h2, http/1.1} gets {@code http/1.1} instead of a connection that dies after the handshake. If no stage
 * declares anything (a pipeline finished only after the handshake, for example), the configured list is used as
 * it is. On either side, a protocol negotiated that no declaring stage serves fails the handshake with a
 * {@link TlsHandshakeException}.
 */
public interface ApplicationProtocolSupport {

    /** The ALPN protocol ids this stage serves, for example {@code "http/1.1"}. */
    Set<String> supportedApplicationProtocols();
}
