package io.weft.codec.tls;

/** Whether a TLS server asks the client for a certificate. */
public enum ClientAuth {
    /** The server does not ask for a client certificate. */
    NONE,
    /** The server asks for a certificate but accepts a client that sends none. */
    OPTIONAL,
    /** The server requires a trusted client certificate; the handshake fails without one. */
    REQUIRE
}
