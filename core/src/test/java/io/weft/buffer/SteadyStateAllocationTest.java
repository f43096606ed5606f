package io.weft.buffer;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Method;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The buffer hot path allocates no objects once warm: pooled allocate, write, read, retained slices and release
 * (the leak detector, which allocates a record per tracked buffer by design, is off for the measurement).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SteadyStateAllocationTest {

    private static final int ITERATIONS = 200_000;

    @Test
    void pooledBuffersAndRetainedSlicesAllocateNothingOnceWarm() throws Exception {
        // Reflection: the core module does not read java.management, and tests compile against it.
        Object threads = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                .invoke(null);
        Class<?> hotspot = Class.forName("com.sun.management.ThreadMXBean");
        assumeTrue(hotspot.isInstance(threads), "needs HotSpot's per-thread allocation counter");
        assumeTrue((Boolean) hotspot.getMethod("isThreadAllocatedMemoryEnabled").invoke(threads));
        Method allocatedBytes = hotspot.getMethod("getThreadAllocatedBytes", long.class);
        LeakDetector.Level level = LeakDetector.level();
        LeakDetector.setLevel(LeakDetector.Level.OFF);
        try {
            PooledAllocator pool = new PooledAllocator();
            long sink = exercise(pool, ITERATIONS); // warm up: caches, JIT
            long tid = Thread.currentThread().getId();
            long before = (Long) allocatedBytes.invoke(threads, tid);
            sink += exercise(pool, ITERATIONS);
            long allocated = (Long) allocatedBytes.invoke(threads, tid) - before;
            // A few hundred bytes of noise (the measurement itself) are tolerated; one object per iteration is not.
            assertTrue(allocated < 16 * 1024, allocated + " bytes allocated over " + ITERATIONS + " iterations");
            assertTrue(sink != 42);
        } finally {
            LeakDetector.setLevel(level);
        }
    }

    private static long exercise(PooledAllocator pool, int iterations) {
        long sink = 0;
        for (int i = 0; i < iterations; i++) {
            Buffer b = pool.allocate(256);
            b.writeInt(i).writeLongLE(i).writeShort(i);
            Buffer frame = b.readRetainedSlice(4);
            sink += frame.readInt() + b.readLongLE() + b.readUnsignedShort();
            frame.release();
            b.release();
        }
        return sink;
    }
}
