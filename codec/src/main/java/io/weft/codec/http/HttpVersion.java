package io.weft.codec.http;

import java.nio.charset.StandardCharsets;

/** The HTTP/1.x protocol versions Weft speaks. */
public enum HttpVersion {
    /** HTTP/1.0: no chunked encoding; connections close after each exchange unless asked to stay open. */
    HTTP_1_0("HTTP/1.0"),
    /** HTTP/1.1 (RFC 9112): persistent connections, chunked transfer coding, pipelining. */
    HTTP_1_1("HTTP/1.1");

    private final String text;
    private final byte[] bytes;

    HttpVersion(String text) {
        this.text = text;
        this.bytes = text.getBytes(StandardCharsets.US_ASCII);
    }

    /** The version as it appears on the wire, e.g. {@code HTTP/1.1}. */
    public String text() {
        return text;
    }

    byte[] bytes() {
        return bytes;
    }

    /** Whether connections stay open by default (true for HTTP/1.1). */
    public boolean keepAliveDefault() {
        return this == HTTP_1_1;
    }

    @Override
    public String toString() {
        return text;
    }
}
