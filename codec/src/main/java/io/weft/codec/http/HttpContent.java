package io.weft.codec.http;

import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import java.util.Objects;

/**
 * A part of a message body. Owns its {@link Buffer}: releasing the content releases the buffer. A large body
 * arrives as several of these (each at most the decoder's {@code maxChunkSize}), the last one being a
 * {@link LastHttpContent}.
 */
public class HttpContent implements HttpObject, ReferenceCounted {

    private final Buffer content;

    /** A body part holding {@code content}; it takes over the caller's reference. */
    public HttpContent(Buffer content) {
        this.content = Objects.requireNonNull(content, "content");
    }

    /** For the shared empty last content only. */
    HttpContent() {
        this.content = null;
    }

    /**
     * The bytes of this part. Never {@code null}, except for the shared {@link LastHttpContent#EMPTY}, which has no
     * buffer; {@link #readableBytes()} works on both.
     */
    public Buffer content() {
        return content;
    }

    /** Number of readable body bytes in this part. */
    public int readableBytes() {
        return content == null ? 0 : content.readableBytes();
    }

    @Override
    public int refCnt() {
        return content == null ? 1 : content.refCnt();
    }

    @Override
    public HttpContent retain() {
        if (content != null) {
            content.retain();
        }
        return this;
    }

    @Override
    public HttpContent retain(int increment) {
        if (content != null) {
            content.retain(increment);
        }
        return this;
    }

    @Override
    public boolean release() {
        return content != null && content.release();
    }

    @Override
    public boolean release(int decrement) {
        return content != null && content.release(decrement);
    }

    @Override
    public HttpContent touch(Object hint) {
        if (content != null) {
            content.touch(hint);
        }
        return this;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + readableBytes() + " bytes)";
    }
}
