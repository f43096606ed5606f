package io.weft.buffer;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jctools.queues.MpscArrayQueue;

/**
 * A pooling allocator: buffers come in power-of-two size classes from 64 B to 1 MiB, and each thread keeps a
 * cache of released buffers per class, so the steady state allocates neither memory nor objects.
 *
 * <p>A buffer remembers the cache of the thread that allocated it (its <em>home</em>, usually an event loop).
 * Released on its home thread it goes straight back onto the cache's stack; released on any other thread it is
 * handed back through the home's lock-free MPSC queue, which the home drains when its stack runs dry. Requests
 * above 1 MiB are served unpooled.
 *
 * <p><b>Bounds.</b> Two limits, each with a system property for the default instance and a constructor argument:
 * <ul>
 *   <li>{@link #maxDirectMemory()}: the direct memory the pool may hold at once, in use and cached together
 *       (default: the JVM's own limit, {@code -XX:MaxDirectMemorySize} when it is on the command line, else the
 *       maximum heap size {@link Runtime#maxMemory()}, which is the JVM's default for it; property
 *       {@code weft.allocator.maxDirectMemory}). An allocation beyond it, or one
 *       the JVM itself refuses ({@code -XX:MaxDirectMemorySize}), throws {@link OutOfDirectMemoryException}.</li>
 *   <li>{@link #maxCachedBytes()}: idle memory kept in thread caches, all threads together (default 64 MiB;
 *       property {@code weft.allocator.maxCachedBytes}). Beyond it, and beyond 2 MiB per size class and thread, a
 *       released buffer is dropped and its memory left to the garbage collector. A thread that ends gives its
 *       share back once the thread object is collected.</li>
 * </ul>
 * {@link #usedBytes()} and {@link #cachedBytes()} report where the memory is.
 *
 * <p>Thread-safe.
 */
public final class PooledAllocator implements BufferAllocator {

    /** Default of {@link #maxDirectMemory()} for pools that do not name one. */
    public static final long DEFAULT_MAX_DIRECT_MEMORY =
            positiveProperty("weft.allocator.maxDirectMemory", jvmMaxDirectMemory());
    /** Default of {@link #maxCachedBytes()} for pools that do not name one (64 MiB). */
    public static final long DEFAULT_MAX_CACHED_BYTES = positiveProperty("weft.allocator.maxCachedBytes", 64L << 20);

    /** The shared default instance. */
    public static final PooledAllocator DEFAULT = new PooledAllocator();

    static final int MIN_SHIFT = 6;
    static final int MAX_SHIFT = 20;
    static final int CLASSES = MAX_SHIFT - MIN_SHIFT + 1;
    /** Bytes of memory each size class of one thread cache may hold idle. */
    private static final int CACHE_BYTES_PER_CLASS = 2 << 20;
    private static final int RETURN_QUEUE_CAPACITY = 4096;
    /** A thread cache claims cache allowance from the pool-wide total in steps of this many bytes. */
    private static final long CLAIM_STEP = 1 << 20;
    private static final Cleaner CLEANER = Cleaner.create();

    private final long maxDirectMemory;
    private final long maxCachedBytes;
    /** Bytes of direct memory held: regions handed out or cached, plus unpooled buffers not yet released. */
    private final AtomicLong reserved = new AtomicLong();
    /** Cache allowance not yet claimed by any thread cache. */
    private final AtomicLong cacheAllowance;
    private final Set<Home> liveHomes = ConcurrentHashMap.newKeySet();
    private final ThreadLocal<Home> homes = ThreadLocal.withInitial(this::newHome);

    /** A pool with the default bounds ({@link #DEFAULT_MAX_DIRECT_MEMORY}, {@link #DEFAULT_MAX_CACHED_BYTES}). */
    public PooledAllocator() {
        this(DEFAULT_MAX_DIRECT_MEMORY, DEFAULT_MAX_CACHED_BYTES);
    }

    /**
     * A pool with its own bounds.
     *
     * @param maxDirectMemory bytes of direct memory the pool may hold, in use and cached together; positive
     * @param maxCachedBytes  bytes all thread caches together may keep idle; zero disables caching
     */
    public PooledAllocator(long maxDirectMemory, long maxCachedBytes) {
        if (maxDirectMemory <= 0) {
            throw new IllegalArgumentException("maxDirectMemory " + maxDirectMemory + " must be positive");
        }
        if (maxCachedBytes < 0) {
            throw new IllegalArgumentException("maxCachedBytes " + maxCachedBytes + " must be >= 0");
        }
        this.maxDirectMemory = maxDirectMemory;
        this.maxCachedBytes = maxCachedBytes;
        this.cacheAllowance = new AtomicLong(maxCachedBytes);
    }

    /**
     * The JVM's direct-memory limit: {@code -XX:MaxDirectMemorySize} if this process was started with it (read from
     * its command line where the platform reports it), otherwise the maximum heap size, the JVM's default.
     */
    static long jvmMaxDirectMemory() {
        long heap = Runtime.getRuntime().maxMemory();
        try {
            String[] arguments = ProcessHandle.current().info().arguments().orElse(new String[0]);
            long found = -1;
            for (String argument : arguments) {
                if (argument.startsWith("-XX:MaxDirectMemorySize=")) {
                    found = parseSize(argument.substring("-XX:MaxDirectMemorySize=".length()));
                }
            }
            return found > 0 ? found : heap;
        } catch (RuntimeException e) {
            return heap;
        }
    }

    /** Parses a JVM size such as {@code 512m} or {@code 2G}; -1 if it is not one. */
    static long parseSize(String text) {
        if (text.isEmpty()) {
            return -1;
        }
        char unit = Character.toLowerCase(text.charAt(text.length() - 1));
        int shift = switch (unit) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            default -> 0;
        };
        String digits = shift == 0 ? text : text.substring(0, text.length() - 1);
        try {
            long value = Long.parseLong(digits);
            return value < 0 || value > Long.MAX_VALUE >> shift ? -1 : value << shift;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static long positiveProperty(String name, long defaultValue) {
        String value = System.getProperty(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            long parsed = Long.parseLong(value.trim());
            return parsed > 0 ? parsed : defaultValue;
        } catch (NumberFormatException e) {
            return defaultValue;
        }
    }

    @Override
    public Buffer allocate(int initialCapacity, int maxCapacity) {
        Buffer.checkCapacities(initialCapacity, maxCapacity);
        if (initialCapacity > 1 << MAX_SHIFT) {
            reserve(initialCapacity);
            Buffer buffer = Buffer.newRoot(this);
            try {
                buffer.attach(Memory.allocateDirect(initialCapacity), initialCapacity, maxCapacity);
            } catch (RuntimeException e) {
                unreserve(initialCapacity);
                throw e;
            }
            buffer.memory().accountant = this;
            return LeakDetector.track(buffer);
        }
        return LeakDetector.track(homes.get().allocate(sizeClass(initialCapacity), initialCapacity, maxCapacity));
    }

    /** The most direct memory this pool holds at once, in use and cached together. */
    public long maxDirectMemory() {
        return maxDirectMemory;
    }

    /** The most idle memory all thread caches of this pool keep together. */
    public long maxCachedBytes() {
        return maxCachedBytes;
    }

    /**
     * Bytes of direct memory in buffers currently allocated from this pool and not yet released (counted by size
     * class, so a 100-byte request counts 128). Approximate while other threads allocate.
     */
    public long usedBytes() {
        return Math.max(0, reserved.get() - cachedBytes());
    }

    /** Bytes of direct memory idle in the thread caches of this pool, all threads together. Approximate. */
    public long cachedBytes() {
        long total = 0;
        for (Home home : liveHomes) {
            total += home.cachedBytes;
        }
        return total;
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

    @Override
    public String toString() {
        return "PooledAllocator(used " + usedBytes() + ", cached " + cachedBytes() + ", max " + maxDirectMemory + ")";
    }

    private Home newHome() {
        Thread thread = Thread.currentThread();
        Home home = new Home(this, thread.getId());
        liveHomes.add(home);
        // When the thread is gone, its cache's memory and allowance go back to the pool.
        CLEANER.register(thread, home::retire);
        return home;
    }

    /**
     * Counts {@code bytes} more of direct memory against {@link #maxDirectMemory()}.
     *
     * @throws OutOfDirectMemoryException if that would exceed it
     */
    void reserve(long bytes) {
        for (;;) {
            long current = reserved.get();
            long next = current + bytes;
            if (next > maxDirectMemory || next < 0) {
                throw new OutOfDirectMemoryException("allocating " + bytes + " bytes would exceed the pool's cap of "
                        + maxDirectMemory + " bytes of direct memory (" + current + " held: " + usedBytes()
                        + " in use, " + cachedBytes() + " cached)");
            }
            if (reserved.compareAndSet(current, next)) {
                return;
            }
        }
    }

    /** Stops counting {@code bytes} of direct memory: released unpooled, or dropped to the garbage collector. */
    void unreserve(long bytes) {
        reserved.addAndGet(-bytes);
    }

    /** Claims at least {@code needed} bytes of cache allowance; returns what was granted (0 if none). */
    private long claimAllowance(long needed) {
        for (;;) {
            long left = cacheAllowance.get();
            if (left < needed) {
                return 0;
            }
            long grant = Math.min(left, Math.max(needed, CLAIM_STEP));
            if (cacheAllowance.compareAndSet(left, left - grant)) {
                return grant;
            }
        }
    }

    private void returnAllowance(long bytes) {
        cacheAllowance.addAndGet(bytes);
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

    /** One thread's cache. Its fields are the owner thread's, except the return queue and the counters read. */
    static final class Home {
        private final PooledAllocator allocator;
        private final long ownerId;
        private final Buffer[][] stacks = new Buffer[CLASSES][];
        final int[] counts = new int[CLASSES];
        private final ByteBuffer[] chunks = new ByteBuffer[CLASSES];
        private final int[] chunkOffsets = new int[CLASSES];
        private final MpscArrayQueue<Buffer> returns = new MpscArrayQueue<>(RETURN_QUEUE_CAPACITY);
        private final SliceCount[] slices = new SliceCount[1024];
        private int sliceCount;
        /**
         * Bytes idle on the stacks. Written by the owner only; {@link #cachedBytes()} reads it from other threads
         * without synchronization (a statistic, kept off the allocation path's memory fences).
         */
        long cachedBytes;
        /** Cache allowance this home holds (claimed from the pool-wide total). */
        private long allowance;
        private volatile boolean retired;

        Home(PooledAllocator allocator, long ownerId) {
            this.allocator = allocator;
            this.ownerId = ownerId;
            for (int i = 0; i < CLASSES; i++) {
                int size = classSize(i);
                stacks[i] = new Buffer[Math.max(4, Math.min(1024, CACHE_BYTES_PER_CLASS / size))];
            }
        }

        private boolean onOwner() {
            return Thread.currentThread().getId() == ownerId;
        }

        Buffer allocate(int sizeClass, int initialCapacity, int maxCapacity) {
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
                cachedBytes -= size;
                buffer.reuse(Math.min(size, maxCapacity), maxCapacity);
                return buffer;
            }
            ByteBuffer region = carve(sizeClass, size);
            Buffer buffer = Buffer.newRoot(allocator);
            Memory memory = buffer.memory();
            memory.home = this;
            memory.sizeClass = sizeClass;
            buffer.attach(region, Math.min(size, maxCapacity), maxCapacity);
            return buffer;
        }

        /**
         * Cuts a region for one buffer out of this class's current chunk, starting a new chunk when it is full,
         * and counts it against the pool's cap. When the cap is reached, this thread's idle buffers are dropped
         * first and the reservation tried once more.
         */
        private ByteBuffer carve(int sizeClass, int size) {
            try {
                allocator.reserve(size);
            } catch (OutOfDirectMemoryException e) {
                if (cachedBytes == 0) {
                    throw e;
                }
                trim();
                allocator.reserve(size);
            }
            try {
                ByteBuffer chunk = chunks[sizeClass];
                int offset = chunkOffsets[sizeClass];
                if (chunk == null || offset + size > chunk.capacity()) {
                    int chunkSize = Math.max(size, Math.min(1 << 22, size * 16));
                    chunk = Memory.allocateDirect(chunkSize);
                    chunks[sizeClass] = chunk;
                    offset = 0;
                }
                chunkOffsets[sizeClass] = offset + size;
                return chunk.slice(offset, size);
            } catch (RuntimeException e) {
                allocator.unreserve(size);
                throw e;
            }
        }

        /** Drops every idle buffer of this cache; their memory is left to the garbage collector. */
        private void trim() {
            drainReturns();
            for (int sc = 0; sc < CLASSES; sc++) {
                Buffer[] stack = stacks[sc];
                int count = counts[sc];
                for (int i = 0; i < count; i++) {
                    stack[i] = null;
                }
                counts[sc] = 0;
                allocator.unreserve((long) count * classSize(sc));
            }
            cachedBytes = 0;
            giveBackSpareAllowance(0);
        }

        /**
         * A recycled slice object, or {@code null} if there is none or the caller is not the owner thread (slices
         * of a buffer used on another thread are simply allocated).
         */
        SliceCount takeSlice() {
            if (sliceCount == 0 || !onOwner()) {
                return null;
            }
            SliceCount slice = slices[--sliceCount];
            slices[sliceCount] = null;
            return slice;
        }

        /** Takes a released slice object back; from another thread it is left to the garbage collector. */
        void recycleSlice(SliceCount slice) {
            if (sliceCount < slices.length && onOwner()) {
                slices[sliceCount++] = slice;
            }
        }

        void recycle(Buffer buffer) {
            if (onOwner()) {
                push(buffer);
            } else if (retired || !returns.offer(buffer)) {
                // Nobody will take it back: its memory goes to the garbage collector.
                drop(buffer);
            }
        }

        private void drop(Buffer buffer) {
            buffer.forgetNioView();
            allocator.unreserve(classSize(buffer.memory().sizeClass));
        }

        private void push(Buffer buffer) {
            int sizeClass = buffer.memory().sizeClass;
            int size = classSize(sizeClass);
            int count = counts[sizeClass];
            Buffer[] stack = stacks[sizeClass];
            if (count >= stack.length || !haveAllowanceFor(size)) {
                drop(buffer);
                return;
            }
            stack[count] = buffer;
            counts[sizeClass] = count + 1;
            cachedBytes += size;
        }

        private boolean haveAllowanceFor(int size) {
            long needed = cachedBytes + size - allowance;
            if (needed <= 0) {
                return true;
            }
            long granted = allocator.claimAllowance(needed);
            allowance += granted;
            return granted > 0;
        }

        /** Keeps at most {@code slack} bytes of allowance beyond what is cached; the rest goes back to the pool. */
        private void giveBackSpareAllowance(long slack) {
            long spare = allowance - cachedBytes - slack;
            if (spare > 0) {
                allowance -= spare;
                allocator.returnAllowance(spare);
            }
        }

        void drainReturns() {
            Buffer returned;
            while ((returned = returns.relaxedPoll()) != null) {
                push(returned);
            }
            if (allowance - cachedBytes > 4 * CLAIM_STEP) {
                giveBackSpareAllowance(CLAIM_STEP);
            }
        }

        /** The owner thread has ended: hand the cached memory and the allowance back to the pool. */
        void retire() {
            retired = true;
            allocator.liveHomes.remove(this);
            trim();
        }
    }
}
