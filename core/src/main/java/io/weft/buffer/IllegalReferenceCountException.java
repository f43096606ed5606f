package io.weft.buffer;

/** Thrown when a reference-counted object is used or released after its count reached zero. */
public class IllegalReferenceCountException extends IllegalStateException {

    /**
     * @param refCnt the count observed
     * @param change the increment or decrement that was attempted (0 for a plain access)
     */
    public IllegalReferenceCountException(int refCnt, int change) {
        super(change == 0
                ? "buffer accessed with refCnt " + refCnt + " (already released)"
                : "refCnt " + refCnt + " cannot change by " + change);
    }
}
