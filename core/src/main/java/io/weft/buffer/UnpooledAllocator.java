package io.weft.buffer;

import java.nio.ByteBuffer;

/**
 * Allocates a fresh direct {@link ByteBuffer} for every buffer and lets the garbage collector reclaim it after
 * release. Simple and predictable; meant for tests and for rarely used large buffers.
 */
public final class UnpooledAllocator implements BufferAllocator {

    /** The shared instance. */
    public static final UnpooledAllocator INSTANCE = new UnpooledAllocator();

    private UnpooledAllocator() {
    }

    @Override
    public Buffer allocate(int initialCapacity, int maxCapacity) {
        Buffer.checkCapacities(initialCapacity, maxCapacity);
        Buffer buffer = new Buffer(this, null, 0);
        buffer.attach(ByteBuffer.allocateDirect(initialCapacity), initialCapacity, maxCapacity);
        return LeakDetector.track(buffer);
    }

    @Override
    public String toString() {
        return "UnpooledAllocator";
    }
}
