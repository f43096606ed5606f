package io.weft.channel;

import io.weft.buffer.BufferAllocator;
import java.net.NetworkInterface;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A typed channel setting. Socket options map onto JDK {@link SocketOption}s and are applied to the socket; the
 * others tune Weft's own behaviour. Set them on a bootstrap, or on a live channel with {@link Channel#setOption}.
 *
 * <p>Any JDK socket option can be used, not only the constants here: {@link #of(SocketOption)} gives the channel
 * option for it, for example TCP keep-alive tuning where the platform has it:
 *
 * <pre>{@code
 * Server.builder()
 *       .childOption(ChannelOption.SO_KEEPALIVE, true)
 *       .childOption(ChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE), 60)      // seconds
 *       .childOption(ChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL), 10)
 *       .childOption(ChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT), 5)
 * }</pre>
 *
 * <p>The bootstraps check a socket option when it is set: an option the kind of socket does not support, or a value
 * the JDK refuses, throws {@link IllegalArgumentException} there, not later on a loop.
 *
 * @param <T> the value type
 */
public final class ChannelOption<T> {

    /** Canonical channel options of socket options; must be initialised before the constants below. */
    private static final ConcurrentHashMap<SocketOption<?>, ChannelOption<?>> BY_SOCKET_OPTION =
            new ConcurrentHashMap<>();

    /** Disable Nagle's algorithm. Weft's default is {@code true}: latency first. */
    public static final ChannelOption<Boolean> TCP_NODELAY = socket(StandardSocketOptions.TCP_NODELAY, true);
    /** TCP keep-alive probes. */
    public static final ChannelOption<Boolean> SO_KEEPALIVE = socket(StandardSocketOptions.SO_KEEPALIVE, null);
    /** Socket receive buffer size in bytes. */
    public static final ChannelOption<Integer> SO_RCVBUF = socket(StandardSocketOptions.SO_RCVBUF, null);
    /** Socket send buffer size in bytes. */
    public static final ChannelOption<Integer> SO_SNDBUF = socket(StandardSocketOptions.SO_SNDBUF, null);
    /** Allow binding an address in TIME_WAIT. */
    public static final ChannelOption<Boolean> SO_REUSEADDR = socket(StandardSocketOptions.SO_REUSEADDR, null);
    /** Linger on close, in seconds. */
    public static final ChannelOption<Integer> SO_LINGER = socket(StandardSocketOptions.SO_LINGER, null);
    /** Allow sending broadcast datagrams (UDP). */
    public static final ChannelOption<Boolean> SO_BROADCAST = socket(StandardSocketOptions.SO_BROADCAST, null);
    /**
     * Let several sockets bind the same address and port (Linux, macOS, BSDs): on Linux the kernel spreads incoming
     * connections over all listening sockets, so several loops or processes can accept on one port. Set it on every
     * one of them, before binding. See docs/transport.md in the repository.
     */
    public static final ChannelOption<Boolean> SO_REUSEPORT = socket(StandardSocketOptions.SO_REUSEPORT, null);
    /** Type-of-service / traffic class of outgoing packets (0 to 255). */
    public static final ChannelOption<Integer> IP_TOS = socket(StandardSocketOptions.IP_TOS, null);
    /** Outgoing interface for multicast datagrams (UDP). */
    public static final ChannelOption<NetworkInterface> IP_MULTICAST_IF =
            socket(StandardSocketOptions.IP_MULTICAST_IF, null);
    /** Time-to-live of multicast datagrams (UDP). */
    public static final ChannelOption<Integer> IP_MULTICAST_TTL = socket(StandardSocketOptions.IP_MULTICAST_TTL, null);
    /** Loop multicast datagrams back to the local host (UDP). */
    public static final ChannelOption<Boolean> IP_MULTICAST_LOOP =
            socket(StandardSocketOptions.IP_MULTICAST_LOOP, null);

    /** Listen backlog of a server channel. */
    public static final ChannelOption<Integer> SO_BACKLOG = weft("SO_BACKLOG", Integer.class, 1024);
    /** Queued outbound bytes above which {@link Channel#isWritable()} turns {@code false}. */
    public static final ChannelOption<Integer> WRITE_BUFFER_HIGH_WATER_MARK =
            weft("WRITE_BUFFER_HIGH_WATER_MARK", Integer.class, 64 * 1024);
    /** Queued outbound bytes below which {@link Channel#isWritable()} turns {@code true} again. */
    public static final ChannelOption<Integer> WRITE_BUFFER_LOW_WATER_MARK =
            weft("WRITE_BUFFER_LOW_WATER_MARK", Integer.class, 32 * 1024);
    /** Read whenever data arrives; when {@code false}, only after {@link Channel#read()}. */
    public static final ChannelOption<Boolean> AUTO_READ = weft("AUTO_READ", Boolean.class, true);
    /** Give up connecting after this many milliseconds. */
    public static final ChannelOption<Integer> CONNECT_TIMEOUT_MILLIS =
            weft("CONNECT_TIMEOUT_MILLIS", Integer.class, 30_000);
    /** Reads per readiness event, for fairness between channels of one loop. */
    public static final ChannelOption<Integer> MAX_READS_PER_EVENT = weft("MAX_READS_PER_EVENT", Integer.class, 16);
    /** Buffers gathered into one {@code write} system call (default 1024, Linux's {@code IOV_MAX}). */
    public static final ChannelOption<Integer> MAX_BUFFERS_PER_WRITE =
            weft("MAX_BUFFERS_PER_WRITE", Integer.class, 1024);
    /** Write system calls per flush before yielding to other channels. */
    public static final ChannelOption<Integer> WRITE_SPIN_COUNT = weft("WRITE_SPIN_COUNT", Integer.class, 16);
    /** Smallest receive buffer the adaptive sizing will use. */
    public static final ChannelOption<Integer> RECEIVE_BUFFER_MIN = weft("RECEIVE_BUFFER_MIN", Integer.class, 64);
    /** First receive buffer size. */
    public static final ChannelOption<Integer> RECEIVE_BUFFER_INITIAL =
            weft("RECEIVE_BUFFER_INITIAL", Integer.class, 2048);
    /**
     * Largest receive buffer the adaptive sizing will use (default 64 KiB, as Netty's). The size only grows while
     * reads fill the buffer, so connections with little traffic keep small buffers. Larger reads mean fewer
     * {@code read} calls, but on Linux loopback a read beyond 64 KiB made the kernel's copy several times dearer
     * per byte when the data is written on (echo, proxy): see docs/performance.md. A pure sink may gain from more.
     */
    public static final ChannelOption<Integer> RECEIVE_BUFFER_MAX =
            weft("RECEIVE_BUFFER_MAX", Integer.class, 64 * 1024);
    /**
     * Largest UDP datagram a {@link UdpChannel} accepts, in bytes (default 65507, the largest IPv4 UDP payload).
     * A larger datagram is dropped and reported with a {@link DatagramTooLargeException}, never truncated.
     */
    public static final ChannelOption<Integer> MAX_DATAGRAM_SIZE = weft("MAX_DATAGRAM_SIZE", Integer.class, 65_507);
    /**
     * When the peer shuts its output down: {@code false} (default) closes the channel; {@code true} keeps it open
     * for writing and fires {@link ChannelInputShutdownEvent}.
     */
    public static final ChannelOption<Boolean> ALLOW_HALF_CLOSURE = weft("ALLOW_HALF_CLOSURE", Boolean.class, false);
    /** Where the channel gets its buffers. */
    public static final ChannelOption<BufferAllocator> ALLOCATOR =
            weft("ALLOCATOR", BufferAllocator.class, BufferAllocator.defaultAllocator());
    /**
     * Server channels only: decides on the acceptor loop, right after {@code accept}, whether a connection is
     * served; a refused one is closed before any channel, pipeline or read exists. None by default.
     */
    public static final ChannelOption<AcceptFilter> ACCEPT_FILTER = weft("ACCEPT_FILTER", AcceptFilter.class, null);

    private final String name;
    private final Class<T> type;
    private final T defaultValue;
    private final SocketOption<T> socketOption;

    private ChannelOption(String name, Class<T> type, T defaultValue, SocketOption<T> socketOption) {
        this.name = name;
        this.type = type;
        this.defaultValue = defaultValue;
        this.socketOption = socketOption;
    }

    private static <T> ChannelOption<T> socket(SocketOption<T> option, T defaultValue) {
        ChannelOption<T> channelOption = new ChannelOption<>(option.name(), option.type(), defaultValue, option);
        BY_SOCKET_OPTION.put(option, channelOption);
        return channelOption;
    }

    /**
     * The channel option that sets the JDK socket option {@code option}: the constant of this class if there is one
     * ({@code of(StandardSocketOptions.TCP_NODELAY) == TCP_NODELAY}), otherwise one made for it, the same instance
     * on every call. Its default is the operating system's.
     */
    @SuppressWarnings("unchecked")
    public static <T> ChannelOption<T> of(SocketOption<T> option) {
        Objects.requireNonNull(option, "option");
        return (ChannelOption<T>) BY_SOCKET_OPTION.computeIfAbsent(option,
                o -> new ChannelOption<>(option.name(), option.type(), null, option));
    }

    private static <T> ChannelOption<T> weft(String name, Class<T> type, T defaultValue) {
        return new ChannelOption<>(name, type, defaultValue, null);
    }

    /** The option's name. */
    public String name() {
        return name;
    }

    /** The value type. */
    public Class<T> type() {
        return type;
    }

    /** The value used when none is set; {@code null} for socket options left at the operating system's default. */
    public T defaultValue() {
        return defaultValue;
    }

    /** The JDK socket option this maps to, or {@code null} for Weft's own settings. */
    public SocketOption<T> socketOption() {
        return socketOption;
    }

    /** Checks and casts {@code value} to this option's type. */
    public T cast(Object value) {
        if (value == null) {
            throw new NullPointerException("value of option " + name);
        }
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException(
                    "option " + name + " takes " + type.getSimpleName() + ", not " + value.getClass().getSimpleName());
        }
        return type.cast(value);
    }

    @Override
    public String toString() {
        return name;
    }
}
