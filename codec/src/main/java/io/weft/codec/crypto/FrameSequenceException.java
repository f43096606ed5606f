package io.weft.codec.crypto;

/**
 * A frame arrived with a sequence number other than the next one expected: a replayed frame (an old number) or a
 * reordered or dropped one (a number ahead). Each direction's frames are numbered 0, 1, 2, ... and each number is
 * also the frame's nonce, so none can be accepted twice or out of place.
 */
public class FrameSequenceException extends FrameCryptoException {

    private static final long serialVersionUID = 1L;

    private final long expected;
    private final long actual;

    /** A frame numbered {@code actual} arrived when {@code expected} was due. */
    public FrameSequenceException(long expected, long actual) {
        super((Long.compareUnsigned(actual, expected) < 0 ? "replayed" : "reordered or missing")
                + " frame: sequence number " + Long.toUnsignedString(actual) + ", expected "
                + Long.toUnsignedString(expected));
        this.expected = expected;
        this.actual = actual;
    }

    /** The sequence number that was due. */
    public long expected() {
        return expected;
    }

    /** The sequence number that arrived. */
    public long actual() {
        return actual;
    }

    /** Whether the frame was older than expected (a replay). */
    public boolean isReplay() {
        return Long.compareUnsigned(actual, expected) < 0;
    }
}
