package io.weft.buffer;

/**
 * An allocation would exceed the direct memory available: the pool's cap ({@link PooledAllocator#maxDirectMemory()})
 * or the JVM's own limit ({@code -XX:MaxDirectMemorySize}). Unchecked; a channel that meets it while reading or
 * writing fails that one connection (its buffers are released) and the loop and other connections go on.
 */
public class OutOfDirectMemoryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** An exception with a message naming the limit and the request. */
    public OutOfDirectMemoryException(String message) {
        super(message);
    }

    /** An exception with a message and the JVM's {@link OutOfMemoryError} as cause. */
    public OutOfDirectMemoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
