package io.weft.bootstrap;

import io.weft.channel.ChannelOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketOption;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Checks a socket option and its value when a bootstrap is configured, by setting it on a throw-away socket of the
 * same kind: the JDK's own checks (supported by this kind of socket and platform, value in range) then fail at the
 * call that set it, not later on a loop.
 */
final class SocketOptionCheck {

    /** The kind of socket an option is meant for. */
    enum Kind {
        STREAM, LISTENER, DATAGRAM
    }

    private SocketOptionCheck() {
    }

    /**
     * Returns {@code value} cast to the option's type after checking that a socket of {@code kind} accepts it.
     *
     * @throws IllegalArgumentException if the socket does not support the option or refuses the value
     */
    static <T> T check(ChannelOption<T> option, Object value, Kind kind) {
        T checked = option.cast(value);
        SocketOption<T> socketOption = option.socketOption();
        if (socketOption == null || option == ChannelOption.SO_BACKLOG) {
            return checked;
        }
        try (NetworkChannel probe = open(kind)) {
            if (!probe.supportedOptions().contains(socketOption)) {
                throw new IllegalArgumentException(kindName(kind) + " sockets do not support " + option.name()
                        + " on this platform");
            }
            if (kind != Kind.DATAGRAM) {
                // Multicast settings depend on the interfaces and the family chosen later: only check support.
                probe.setOption(socketOption, checked);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot set " + option.name() + " to " + value + ": " + e, e);
        } catch (UnsupportedOperationException e) {
            throw new IllegalArgumentException(option.name() + " is not supported: " + e.getMessage(), e);
        }
        return checked;
    }

    private static NetworkChannel open(Kind kind) {
        try {
            return switch (kind) {
                case STREAM -> SocketChannel.open();
                case LISTENER -> ServerSocketChannel.open();
                case DATAGRAM -> DatagramChannel.open();
            };
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a socket to check an option", e);
        }
    }

    private static String kindName(Kind kind) {
        return switch (kind) {
            case STREAM -> "TCP";
            case LISTENER -> "listening TCP";
            case DATAGRAM -> "UDP";
        };
    }
}
