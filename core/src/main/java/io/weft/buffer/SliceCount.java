package io.weft.buffer;

/**
 * The reference count of a retained slice: it starts at 1 and holds one reference on the count of the buffer the
 * slice was cut from, given back when it reaches zero. Slices of pooled buffers are recycled by the thread cache
 * that lent them, together with their view.
 */
final class SliceCount extends RefCount {

    /** The slice's view; reused with this count. */
    final Buffer view;
    /** The count this slice holds one reference on; {@code null} while the slice is not in use. */
    RefCount parent;
    /** The thread cache that lent this slice, or {@code null}. */
    PooledAllocator.Home home;

    SliceCount(BufferAllocator allocator) {
        this.view = new Buffer(allocator);
    }

    @Override
    void deallocate() {
        RefCount p = parent;
        parent = null;
        view.detach();
        PooledAllocator.Home h = home;
        home = null;
        if (h != null) {
            h.recycleSlice(this);
        }
        p.release(1);
    }

    @Override
    LeakDetector.Record leakRecord() {
        RefCount p = parent;
        return p == null ? null : p.leakRecord();
    }
}
