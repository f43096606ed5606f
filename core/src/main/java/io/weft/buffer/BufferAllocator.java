package io.weft.buffer;

import java.nio.charset.Charset;

/**
 * Hands out {@link Buffer}s. Implementations are thread-safe; a buffer may be released on any thread.
 */
public interface BufferAllocator {

    /** Allocates a buffer with at least {@code initialCapacity} bytes that may grow without bound. */
    default Buffer allocate(int initialCapacity) {
        return allocate(initialCapacity, Integer.MAX_VALUE);
    }

    /**
     * Allocates a buffer with room for {@code initialCapacity} bytes that may grow on write up to
     * {@code maxCapacity} bytes.
     */
    Buffer allocate(int initialCapacity, int maxCapacity);

    /** Allocates a buffer holding a copy of {@code bytes}. */
    default Buffer copyOf(byte[] bytes) {
        Buffer buffer = allocate(bytes.length);
        buffer.writeBytes(bytes);
        return buffer;
    }

    /** Allocates a buffer holding {@code text} encoded with {@code charset}. */
    default Buffer copyOf(CharSequence text, Charset charset) {
        byte[] bytes = text.toString().getBytes(charset);
        return copyOf(bytes);
    }

    /** The process-wide default: a {@link PooledAllocator}. */
    static BufferAllocator defaultAllocator() {
        return PooledAllocator.DEFAULT;
    }
}
