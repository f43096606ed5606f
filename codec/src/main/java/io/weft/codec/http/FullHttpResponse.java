package io.weft.codec.http;

import io.weft.buffer.Buffer;
import io.weft.buffer.BufferHolder;
import java.util.Objects;

/**
 * A whole response: head and body in one message. The server encoder adds {@code content-length} when the
 * response has neither it nor {@code transfer-encoding}. Owns its body buffer, which is released once written.
 */
public class FullHttpResponse extends HttpResponse implements BufferHolder {

    private final Buffer content;
    private final HttpHeaders trailers;

    /** A response with {@code content} as body (taking over the caller's reference). */
    public FullHttpResponse(HttpVersion version, HttpResponseStatus status, Buffer content) {
        this(version, status, new HttpHeaders(), content, null);
    }

    /** A response with the given headers, body and trailers (may be {@code null}). */
    public FullHttpResponse(HttpVersion version, HttpResponseStatus status, HttpHeaders headers, Buffer content,
            HttpHeaders trailers) {
        super(version, status, headers);
        this.content = Objects.requireNonNull(content, "content");
        this.trailers = trailers;
    }

    /** The body. */
    public Buffer content() {
        return content;
    }

    /** Trailer fields of a chunked body; empty if none. */
    public HttpHeaders trailers() {
        return trailers == null ? new HttpHeaders(0) : trailers;
    }

    HttpHeaders trailersOrNull() {
        return trailers;
    }

    @Override
    public FullHttpResponse retain() {
        BufferHolder.super.retain();
        return this;
    }

    @Override
    public FullHttpResponse retain(int increment) {
        BufferHolder.super.retain(increment);
        return this;
    }

    @Override
    public FullHttpResponse touch(Object hint) {
        BufferHolder.super.touch(hint);
        return this;
    }
}
