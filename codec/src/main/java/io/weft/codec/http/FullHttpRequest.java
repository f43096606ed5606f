package io.weft.codec.http;

import io.weft.buffer.Buffer;
import io.weft.buffer.BufferHolder;
import java.util.Objects;

/**
 * A whole request: head and body in one message, as produced by {@link HttpObjectAggregator} or written by a
 * client. Owns its body buffer: release the request when done with it.
 */
public class FullHttpRequest extends HttpRequest implements BufferHolder {

    private final Buffer content;
    private final HttpHeaders trailers;

    /** A request with {@code content} as body (taking over the caller's reference). */
    public FullHttpRequest(HttpVersion version, HttpMethod method, String target, Buffer content) {
        this(version, method, target, new HttpHeaders(), content, null);
    }

    /** A request with the given headers, body and trailers (may be {@code null}). */
    public FullHttpRequest(HttpVersion version, HttpMethod method, String target, HttpHeaders headers,
            Buffer content, HttpHeaders trailers) {
        super(version, method, target, headers);
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

    @Override
    public FullHttpRequest retain() {
        BufferHolder.super.retain();
        return this;
    }

    @Override
    public FullHttpRequest retain(int increment) {
        BufferHolder.super.retain(increment);
        return this;
    }

    @Override
    public FullHttpRequest touch(Object hint) {
        BufferHolder.super.touch(hint);
        return this;
    }
}
