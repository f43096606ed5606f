package io.weft.buffer;

/**
 * Allocates a fresh direct {@link java.nio.ByteBuffer} for every buffer and lets the garbage collector reclaim it after
 * release. Simple and predictable; meant for tests and for rarely used large buffers. Exhausting the JVM's direct
 * memory raises {@link OutOfDirectMemoryException}.
 */
public final class UnpooledAllocator implements BufferAllocator {

    /** The shared instance. */
    public static final UnpooledAllocator INSTANCE = new UnpooledAllocator();

    private UnpooledAllocator() {
    }

    @Override
    public Buffer allocate(int initialCapacity, int maxCapacity) {
        Buffer.checkCapacities(initialCapacity, maxCapacity);
        Buffer buffer = Buffer.newRoot(this);
        buffer.attach(Memory.allocateDirect(initialCapacity), initialCapacity, maxCapacity);
        return LeakDetector.track(buffer);
    }

    @Override
    public String toString() {
        return "UnpooledAllocator";
    }
}
