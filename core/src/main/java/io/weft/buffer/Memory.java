package io.weft.buffer;

import java.nio.ByteBuffer;

/**
 * The memory behind a root {@link Buffer} and its reference count: a region of a direct {@link ByteBuffer}, and
 * where it goes when the count reaches zero (back to a pool's thread cache, to a pool's accounting, or to the
 * garbage collector for unpooled and wrapped memory). Slices share it; growing the root swaps its region.
 */
final class Memory extends RefCount {

    /** The root buffer this memory belongs to; pooled roots are recycled together with their memory. */
    final Buffer root;
    ByteBuffer mem;
    /** The thread cache a pooled region returns to, or {@code null}. */
    PooledAllocator.Home home;
    int sizeClass;
    /** The pool whose direct-memory count includes this unpooled region, or {@code null}. */
    PooledAllocator accountant;
    LeakDetector.Record leak;

    Memory(Buffer root) {
        this.root = root;
    }

    @Override
    void deallocate() {
        LeakDetector.Record record = leak;
        if (record != null) {
            leak = null;
            record.close();
        }
        PooledAllocator.Home h = home;
        if (h != null) {
            h.recycle(root);
            return;
        }
        PooledAllocator pool = accountant;
        if (pool != null) {
            accountant = null;
            pool.unreserve(root.capacity());
        }
        mem = null;
        root.forgetNioView();
    }

    @Override
    LeakDetector.Record leakRecord() {
        return leak;
    }

    /** Trades regions (and where they return) with {@code other}; the reference counts stay. */
    void swapStorage(Memory other) {
        ByteBuffer m = mem;
        PooledAllocator.Home h = home;
        int sc = sizeClass;
        PooledAllocator a = accountant;
        mem = other.mem;
        home = other.home;
        sizeClass = other.sizeClass;
        accountant = other.accountant;
        other.mem = m;
        other.home = h;
        other.sizeClass = sc;
        other.accountant = a;
    }

    /**
     * {@link ByteBuffer#allocateDirect} that reports exhaustion of the JVM's direct memory as an
     * {@link OutOfDirectMemoryException} instead of an {@link OutOfMemoryError}.
     */
    static ByteBuffer allocateDirect(int capacity) {
        try {
            return ByteBuffer.allocateDirect(capacity);
        } catch (OutOfMemoryError e) {
            throw new OutOfDirectMemoryException("cannot allocate " + capacity + " bytes of direct memory: "
                    + e.getMessage() + " (raise -XX:MaxDirectMemorySize or lower the load)", e);
        }
    }
}
