package io.weft.codec.fragment;

import io.weft.codec.CorruptFrameException;
import java.net.InetSocketAddress;

/**
 * A datagram that is not a valid fragment (too short, unknown version, bad checksum, index out of range, lengths
 * that do not add up, or disagreeing with earlier fragments of its message). The datagram is dropped; the channel
 * and every other message go on.
 */
public class MalformedFragmentException extends CorruptFrameException {

    private static final long serialVersionUID = 1L;

    private final transient InetSocketAddress sender;

    /** A bad datagram from {@code sender}, described by {@code message}. */
    public MalformedFragmentException(InetSocketAddress sender, String message) {
        super("malformed fragment from " + sender + ": " + message);
        this.sender = sender;
    }

    /** Who sent the datagram (may be {@code null} on a connected channel). */
    public InetSocketAddress sender() {
        return sender;
    }
}
