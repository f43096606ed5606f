package io.weft.buffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A reference count and what happens when it reaches zero. A root buffer counts on its {@link Memory}; a plain
 * slice shares the count of the buffer it was cut from; a retained slice has a {@link SliceCount} of its own.
 */
abstract class RefCount {

    private static final VarHandle REF_CNT;

    static {
        try {
            REF_CNT = MethodHandles.lookup().findVarHandle(RefCount.class, "refCnt", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int refCnt;

    final int refCnt() {
        return refCnt;
    }

    /** Arms the count at 1 for a new owner. */
    final void reset() {
        REF_CNT.setRelease(this, 1);
    }

    final void retain(int increment) {
        if (increment <= 0) {
            throw new IllegalArgumentException("increment " + increment + " must be positive");
        }
        for (;;) {
            int current = refCnt;
            if (current <= 0 || current + increment < current) {
                throw new IllegalReferenceCountException(current, increment);
            }
            if (REF_CNT.compareAndSet(this, current, current + increment)) {
                return;
            }
        }
    }

    final boolean release(int decrement) {
        if (decrement <= 0) {
            throw new IllegalArgumentException("decrement " + decrement + " must be positive");
        }
        for (;;) {
            int current = refCnt;
            if (current < decrement) {
                throw new IllegalReferenceCountException(current, -decrement);
            }
            if (REF_CNT.compareAndSet(this, current, current - decrement)) {
                if (current == decrement) {
                    deallocate();
                    return true;
                }
                return false;
            }
        }
    }

    /** The count reached zero: give the memory (or the parent's reference) back. */
    abstract void deallocate();

    /** The leak record of the memory this count guards, if tracked. */
    abstract LeakDetector.Record leakRecord();
}
