package io.weft.codec.http;

import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import java.util.Objects;

/**
 * A whole response: head and body in one message. The server encoder adds {@code content-length} when the
 * response has neither it nor {@code transfer-encoding}. Owns its body buffer, which is released once written.
 */
public class FullHttpResponse extends HttpResponse implements ReferenceCounted {

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
    public int refCnt() {
        return content.refCnt();
    }

    @Override
    public FullHttpResponse retain() {
        content.retain();
        return this;
    }

    @Override
    public FullHttpResponse retain(int increment) {
        content.retain(increment);
        return this;
    }

    @Override
    public boolean release() {
        return content.release();
    }

    @Override
    public boolean release(int decrement) {
        return content.release(decrement);
    }

    @Override
    public FullHttpResponse touch(Object hint) {
        content.touch(hint);
        return this;
    }
}
