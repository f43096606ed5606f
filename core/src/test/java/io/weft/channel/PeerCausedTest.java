package io.weft.channel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.handler.ReadTimeoutException;
import io.weft.handler.WriteTimeoutException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;

class PeerCausedTest {

    static final class BadInput extends RuntimeException implements PeerCaused {
        BadInput(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Test
    void ioAndMarkedExceptionsArePeerCaused() {
        assertTrue(PeerCaused.isPeerCaused(new SocketException("Connection reset")));
        assertTrue(PeerCaused.isPeerCaused(new ClosedChannelException()));
        assertTrue(PeerCaused.isPeerCaused(new ReadTimeoutException(10)));
        assertTrue(PeerCaused.isPeerCaused(new WriteTimeoutException(10, 11)));
        assertTrue(PeerCaused.isPeerCaused(new DatagramTooLargeException(new InetSocketAddress(0), 10)));
        assertTrue(PeerCaused.isPeerCaused(new BadInput("bad", new IOException("checked cause"))));
    }

    @Test
    void bugsAreNotPeerCausedEvenWhenWrapped() {
        assertFalse(PeerCaused.isPeerCaused(null));
        assertFalse(PeerCaused.isPeerCaused(new IllegalStateException("bug")));
        assertFalse(PeerCaused.isPeerCaused(new UnsupportedMessageTypeException("x", "Buffer")));
        assertFalse(PeerCaused.isPeerCaused(new BadInput("wrapped", new NullPointerException())));
        assertFalse(PeerCaused.isPeerCaused(new BadInput("wrapped", new OutOfMemoryError("Direct buffer memory"))));
        assertFalse(PeerCaused.isPeerCaused(new IOException("wrapped", new IllegalArgumentException())));
    }
}
