package io.weft.buffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pool's direct-memory cap, its bound on cached memory across threads, and its statistics. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PooledAllocatorTest {

    @Test
    void capRaisesTypedExceptionAndReleasingMakesRoomAgain() {
        PooledAllocator pool = new PooledAllocator(1 << 20, 0);
        List<Buffer> held = new ArrayList<>();
        OutOfDirectMemoryException e = assertThrows(OutOfDirectMemoryException.class, () -> {
            while (true) {
                held.add(pool.allocate(64 * 1024));
            }
        });
        assertTrue(e.getMessage().contains("1048576"), e.getMessage());
        assertEquals(16, held.size(), "16 x 64 KiB fit in a 1 MiB cap");
        assertEquals(1 << 20, pool.usedBytes());
        assertThrows(OutOfDirectMemoryException.class, () -> pool.allocate(2 << 20), "unpooled requests count too");
        held.remove(0).release();
        assertEquals(15 * 64 * 1024, pool.usedBytes());
        held.add(pool.allocate(64 * 1024));
        held.forEach(Buffer::release);
        assertEquals(0, pool.usedBytes());
        assertEquals(0, pool.cachedBytes(), "caching is off");
    }

    @Test
    void growingPastTheCapFailsAndLeavesTheBufferIntact() {
        PooledAllocator pool = new PooledAllocator(640 * 1024, 0);
        Buffer b = pool.allocate(64);
        b.writeInt(42);
        Buffer hog = pool.allocate(512 * 1024);
        // Growing b to 128 KiB would need 64 B + 512 KiB + 128 KiB > 640 KiB.
        assertThrows(OutOfDirectMemoryException.class, () -> b.writeBytes(new byte[100 * 1024]));
        assertEquals(4, b.writerIndex());
        assertEquals(42, b.readInt());
        hog.release();
        b.release();
        assertEquals(0, pool.usedBytes());
    }

    @Test
    void usedAndCachedBytesFollowAllocationsAndReleases() {
        PooledAllocator pool = new PooledAllocator(64 << 20, 8 << 20);
        Buffer a = pool.allocate(1000); // 1 KiB class
        Buffer b = pool.allocate(3 << 20); // unpooled
        assertEquals(1024 + (3 << 20), pool.usedBytes());
        a.release();
        assertEquals(1024, pool.cachedBytes());
        assertEquals(3 << 20, pool.usedBytes());
        b.release();
        assertEquals(0, pool.usedBytes());
        Buffer again = pool.allocate(1000);
        assertEquals(0, pool.cachedBytes(), "the cached buffer was reused");
        assertEquals(1024, pool.usedBytes());
        again.release();
    }

    @Test
    void cachedMemoryIsBoundedAcrossAllThreads() throws Exception {
        long cap = 4 << 20;
        PooledAllocator pool = new PooledAllocator(256 << 20, cap);
        int threads = 8;
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                try {
                    // Each thread alone would cache up to 2 MiB per size class: 8 threads x 2 classes = 32 MiB.
                    List<Buffer> mine = new ArrayList<>();
                    for (int i = 0; i < 32; i++) {
                        mine.add(pool.allocate(64 * 1024));
                        mine.add(pool.allocate(32 * 1024));
                    }
                    mine.forEach(Buffer::release);
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
        assertTrue(failures.isEmpty(), failures.toString());
        long cached = pool.cachedBytes();
        assertTrue(cached <= cap, "cached " + cached + " bytes across threads, bound " + cap);
        assertTrue(cached > 0, "something should be cached");
        assertEquals(0, pool.usedBytes(), "everything was released");
    }

    @Test
    void cacheOfAnEndedThreadIsHandedBackToThePool() throws Exception {
        PooledAllocator pool = new PooledAllocator(64 << 20, 8 << 20);
        Thread worker = new Thread(() -> pool.allocate(4096).release());
        worker.start();
        worker.join();
        assertEquals(4096, pool.cachedBytes());
        worker = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (pool.cachedBytes() > 0 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(0, pool.cachedBytes(), "the ended thread's cache was not handed back");
        assertEquals(0, pool.usedBytes());
    }

    @Test
    void defaultCapFollowsTheJvmsDirectMemoryLimit() {
        assertEquals(512L << 20, PooledAllocator.parseSize("512m"));
        assertEquals(2L << 30, PooledAllocator.parseSize("2G"));
        assertEquals(4096, PooledAllocator.parseSize("4k"));
        assertEquals(1000, PooledAllocator.parseSize("1000"));
        assertEquals(-1, PooledAllocator.parseSize("lots"));
        assertEquals(-1, PooledAllocator.parseSize(""));
        // The build runs tests with -XX:MaxDirectMemorySize=2g; elsewhere the heap size is the JVM's default.
        String[] arguments = ProcessHandle.current().info().arguments().orElse(new String[0]);
        boolean explicit = java.util.Arrays.stream(arguments).anyMatch(a -> a.equals("-XX:MaxDirectMemorySize=2g"));
        long expected = explicit ? 2L << 30 : PooledAllocator.jvmMaxDirectMemory();
        if (System.getProperty("weft.allocator.maxDirectMemory") == null) {
            assertEquals(expected, PooledAllocator.DEFAULT.maxDirectMemory());
        }
    }

    @Test
    void rejectsInvalidBounds() {
        assertThrows(IllegalArgumentException.class, () -> new PooledAllocator(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new PooledAllocator(1, -1));
        assertTrue(PooledAllocator.DEFAULT.maxDirectMemory() > 0);
        assertEquals(PooledAllocator.DEFAULT_MAX_CACHED_BYTES, PooledAllocator.DEFAULT.maxCachedBytes());
    }
}
