package io.weft.codec.http;

import java.util.Objects;

/** The head of a request or response: protocol version and header fields. */
public abstract class HttpMessage implements HttpObject {

    private HttpVersion version;
    private final HttpHeaders headers;

    HttpMessage(HttpVersion version, HttpHeaders headers) {
        this.version = Objects.requireNonNull(version, "version");
        this.headers = Objects.requireNonNull(headers, "headers");
    }

    /** The protocol version. */
    public HttpVersion version() {
        return version;
    }

    /** Changes the protocol version. */
    public HttpMessage version(HttpVersion version) {
        this.version = Objects.requireNonNull(version, "version");
        return this;
    }

    /** The header fields (mutable). */
    public HttpHeaders headers() {
        return headers;
    }

    /**
     * Whether the connection stays open after this message, by RFC 9112 section 9.3: HTTP/1.1 unless
     * {@code connection: close}; HTTP/1.0 only with {@code connection: keep-alive}.
     */
    public boolean isKeepAlive() {
        if (headers.containsToken(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)) {
            return false;
        }
        return version == HttpVersion.HTTP_1_1
                || headers.containsToken(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }

    /** Whether the body uses the chunked transfer coding. */
    public boolean isChunked() {
        return headers.containsToken(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }

    /** The {@code content-length}, or -1 if absent or not a number. */
    public long contentLength() {
        return headers.getLong(HttpHeaderNames.CONTENT_LENGTH);
    }
}
