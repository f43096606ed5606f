package io.weft.codec.http;

import java.util.Objects;

/**
 * The head of a response: version, status and headers. Written by a server handler and followed by
 * {@link HttpContent}s and one {@link LastHttpContent}; or write a {@link FullHttpResponse} in one go.
 */
public class HttpResponse extends HttpMessage {

    private HttpResponseStatus status;

    /** A response with empty headers. */
    public HttpResponse(HttpVersion version, HttpResponseStatus status) {
        this(version, status, new HttpHeaders());
    }

    /** A response with the given headers. */
    public HttpResponse(HttpVersion version, HttpResponseStatus status, HttpHeaders headers) {
        super(version, headers);
        this.status = Objects.requireNonNull(status, "status");
    }

    /** The status. */
    public HttpResponseStatus status() {
        return status;
    }

    /** Changes the status. */
    public HttpResponse status(HttpResponseStatus status) {
        this.status = Objects.requireNonNull(status, "status");
        return this;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + version() + " " + status + ", " + headers() + ")";
    }
}
