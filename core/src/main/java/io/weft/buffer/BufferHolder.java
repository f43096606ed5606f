package io.weft.buffer;

/**
 * A message that owns one {@link Buffer} (a datagram, an HTTP message with its body, ...) and whose reference
 * count is that buffer's: releasing the message releases the buffer. Implementations supply {@link #content()}
 * and, to keep their own type in chained calls, override {@link #retain()}, {@link #retain(int)} and
 * {@link #touch(Object)} covariantly.
 */
public interface BufferHolder extends ReferenceCounted {

    /** The owned buffer. */
    Buffer content();

    @Override
    default int refCnt() {
        return content().refCnt();
    }

    @Override
    default BufferHolder retain() {
        content().retain();
        return this;
    }

    @Override
    default BufferHolder retain(int increment) {
        content().retain(increment);
        return this;
    }

    @Override
    default boolean release() {
        return content().release();
    }

    @Override
    default boolean release(int decrement) {
        return content().release(decrement);
    }

    @Override
    default BufferHolder touch(Object hint) {
        content().touch(hint);
        return this;
    }
}
