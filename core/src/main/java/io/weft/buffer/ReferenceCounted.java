package io.weft.buffer;

/**
 * An object whose lifetime is governed by an explicit reference count.
 *
 * <p>A new object starts with a count of 1. {@link #retain()} adds an owner, {@link #release()} removes one;
 * when the count reaches zero the object's resources (for a {@link Buffer}, its memory) go back to where they came
 * from and the object must not be touched again. Whoever holds the last reference is responsible for releasing it.
 */
public interface ReferenceCounted {

    /** Returns the current reference count; 0 means the object has been deallocated. */
    int refCnt();

    /** Increments the reference count by one. */
    ReferenceCounted retain();

    /** Increments the reference count by {@code increment}. */
    ReferenceCounted retain(int increment);

    /**
     * Decrements the reference count by one.
     *
     * @return {@code true} if the count reached zero and the object was deallocated
     * @throws IllegalReferenceCountException if the object was already deallocated
     */
    boolean release();

    /** Decrements the reference count by {@code decrement}; see {@link #release()}. */
    boolean release(int decrement);

    /**
     * Records a hint (for example the name of the handler holding the object) that the leak detector prints if
     * this object is later found leaked. A no-op unless leak detection tracks this object.
     */
    ReferenceCounted touch(Object hint);

    /**
     * Releases {@code msg} if it is reference counted; does nothing otherwise. Convenient for handlers that drop
     * messages of unknown type.
     *
     * @return {@code true} if {@code msg} was reference counted and is now deallocated
     */
    static boolean release(Object msg) {
        if (msg instanceof ReferenceCounted rc) {
            return rc.release();
        }
        return false;
    }

    /** Like {@link #release(Object)} but never throws; a double release is swallowed. */
    static void safeRelease(Object msg) {
        try {
            release(msg);
        } catch (IllegalReferenceCountException ignored) {
            // Already released: the caller only wanted to make sure it is gone.
        }
    }
}
