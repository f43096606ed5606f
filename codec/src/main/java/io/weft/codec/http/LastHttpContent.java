package io.weft.codec.http;

import io.weft.buffer.Buffer;

/**
 * The final part of a message body, possibly carrying bytes and, for chunked bodies, trailer fields. The decoder
 * always emits exactly one per message; an encoder finishes the message (the terminating zero-length chunk for
 * chunked bodies) when it sees one.
 */
public class LastHttpContent extends HttpContent {

    /** A shared, empty last part with no trailers; reference counting on it does nothing. */
    public static final LastHttpContent EMPTY = new LastHttpContent();

    private final HttpHeaders trailers;

    /** A last part holding {@code content} (taking over the caller's reference) and no trailers. */
    public LastHttpContent(Buffer content) {
        this(content, null);
    }

    /** A last part holding {@code content} and {@code trailers} (may be {@code null}). */
    public LastHttpContent(Buffer content, HttpHeaders trailers) {
        super(content);
        this.trailers = trailers;
    }

    private LastHttpContent() {
        super();
        this.trailers = null;
    }

    /** An empty last part carrying trailer fields (for chunked bodies). */
    public static LastHttpContent withTrailers(HttpHeaders trailers) {
        return new LastHttpContent(trailers);
    }

    private LastHttpContent(HttpHeaders trailers) {
        super();
        this.trailers = trailers;
    }

    /** The trailer fields; empty if there are none. */
    public HttpHeaders trailers() {
        return trailers == null ? new HttpHeaders(0) : trailers;
    }

    boolean hasTrailers() {
        return trailers != null && !trailers.isEmpty();
    }
}
