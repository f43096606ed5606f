package io.weft.buffer;

import java.nio.ByteBuffer;
import org.jctools.queues.MpscArrayQueue;

/**
 * A pooling allocator: buffers come in power-of-two size classes from 64 B to 1 MiB, and each thread keeps a
 * cache of released buffers per class, so the steady state allocates neither memory nor objects.
 *
 * <p>A buffer remembers the cache of the thread that allocated it (its <em>home</em>, usually an event loop).
 * Released on its home thread it goes straight back onto the cache's stack; released on any other thread it is
 * handed back through the home's lock-free MPSC queue, which the home drains when its stack runs dry. A full cache
 * or a full return queue simply drops the buffer and lets the garbage collector reclaim its memory, so the pool
 * never grows without bound. Requests above 1 MiB are served unpooled.
 *
 * <p>Thread-safe.
 */
public final class PooledAllocator implements BufferAllocator {

    /** The shared default instance. */
    public static final PooledAllocator DEFAULT = new PooledAllocator();

    static final int MIN_SHIFT = 6;
    static final int MAX_SHIFT = 20;
    static final int CLASSES = MAX_SHIFT - MIN_SHIFT + 1;
    /** Bytes of memory each size class of one thread cache may hold idle. */
    private static final int CACHE_BYTES_PER_CLASS = 2 << 20;
    private static final int RETURN_QUEUE_CAPACITY = 4096;

    private final ThreadLocal<Home> homes = ThreadLocal.withInitial(() -> new Home(this, Thread.currentThread()));

    /** Creates a pool with its own per-thread caches. */
    public PooledAllocator() {
    }

    @Override
    public Buffer allocate(int initialCapacity, int maxCapacity) {
        Buffer.checkCapacities(initialCapacity, maxCapacity);
        if (initialCapacity > 1 << MAX_SHIFT) {
            Buffer buffer = new Buffer(this, null, 0);
            buffer.attach(ByteBuffer.allocateDirect(initialCapacity), initialCapacity, maxCapacity);
            return LeakDetector.track(buffer);
        }
        int sizeClass = sizeClass(initialCapacity);
        return LeakDetector.track(homes.get().allocate(sizeClass, maxCapacity));
    }

    /** Number of idle buffers in the calling thread's cache, all classes together; for tests and metrics. */
    public int cachedBuffersOfCurrentThread() {
        Home home = homes.get();
        home.drainReturns();
        int total = 0;
        for (int count : home.counts) {
            total += count;
        }
        return total;
    }

    static int sizeClass(int capacity) {
        if (capacity <= 1 << MIN_SHIFT) {
            return 0;
        }
        int shift = 32 - Integer.numberOfLeadingZeros(capacity - 1);
        return shift - MIN_SHIFT;
    }

    static int classSize(int sizeClass) {
        return 1 << (sizeClass + MIN_SHIFT);
    }

    @Override
    public String toString() {
        return "PooledAllocator";
    }

    /** One thread's cache. */
    static final class Home {
        private final PooledAllocator allocator;
        private final Thread owner;
        private final Buffer[][] stacks = new Buffer[CLASSES][];
        final int[] counts = new int[CLASSES];
        private final ByteBuffer[] chunks = new ByteBuffer[CLASSES];
        private final int[] chunkOffsets = new int[CLASSES];
        private final MpscArrayQueue<Buffer> returns = new MpscArrayQueue<>(RETURN_QUEUE_CAPACITY);
        private final Buffer[] slices = new Buffer[1024];
        private int sliceCount;

        Home(PooledAllocator allocator, Thread owner) {
            this.allocator = allocator;
            this.owner = owner;
            for (int i = 0; i < CLASSES; i++) {
                int size = classSize(i);
                stacks[i] = new Buffer[Math.max(4, Math.min(1024, CACHE_BYTES_PER_CLASS / size))];
            }
        }

        Buffer allocate(int sizeClass, int maxCapacity) {
            int size = classSize(sizeClass);
            if (counts[sizeClass] == 0) {
                drainReturns();
            }
            int count = counts[sizeClass];
            if (count > 0) {
                Buffer[] stack = stacks[sizeClass];
                Buffer buffer = stack[--count];
                stack[count] = null;
                counts[sizeClass] = count;
                buffer.resetCapacity(Math.min(size, maxCapacity));
                buffer.reuse(maxCapacity);
                return buffer;
            }
            Buffer buffer = new Buffer(allocator, null, 0);
            buffer.home = this;
            buffer.sizeClass = sizeClass;
            buffer.attach(carve(sizeClass, size), Math.min(size, maxCapacity), maxCapacity);
            return buffer;
        }

        /** Cuts a region for one buffer out of this class's current chunk, starting a new chunk when it is full. */
        private ByteBuffer carve(int sizeClass, int size) {
            ByteBuffer chunk = chunks[sizeClass];
            int offset = chunkOffsets[sizeClass];
            if (chunk == null || offset + size > chunk.capacity()) {
                int chunkSize = Math.max(size, Math.min(1 << 22, size * 16));
                chunk = ByteBuffer.allocateDirect(chunkSize);
                chunks[sizeClass] = chunk;
                offset = 0;
            }
            chunkOffsets[sizeClass] = offset + size;
            return chunk.slice(offset, size);
        }

        /**
         * A recycled slice object, or {@code null} if there is none or the caller is not the owner thread (slices
         * of a buffer used on another thread are simply allocated).
         */
        Buffer takeSlice() {
            if (sliceCount == 0 || Thread.currentThread() != owner) {
                return null;
            }
            Buffer slice = slices[--sliceCount];
            slices[sliceCount] = null;
            return slice;
        }

        /** Takes a released slice object back; from another thread it is left to the garbage collector. */
        void recycleSlice(Buffer slice) {
            if (sliceCount < slices.length && Thread.currentThread() == owner) {
                slices[sliceCount++] = slice;
            }
        }

        void recycle(Buffer buffer) {
            if (Thread.currentThread() == owner) {
                push(buffer);
            } else {
                // Lost if the queue is full: the memory is then reclaimed by the garbage collector.
                returns.offer(buffer);
            }
        }

        private void push(Buffer buffer) {
            int sizeClass = buffer.sizeClass;
            int count = counts[sizeClass];
            Buffer[] stack = stacks[sizeClass];
            if (count < stack.length) {
                stack[count] = buffer;
                counts[sizeClass] = count + 1;
            }
        }

        void drainReturns() {
            Buffer returned;
            while ((returned = returns.relaxedPoll()) != null) {
                push(returned);
            }
        }
    }
}
