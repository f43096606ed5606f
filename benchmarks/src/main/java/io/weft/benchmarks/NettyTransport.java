package io.weft.benchmarks;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The Netty 4.2 transports the benchmarks compare Weft with: the JDK selector ({@code nio}) and the two native
 * Linux transports a Netty user picks for speed ({@code epoll}, {@code io_uring}). Every rig and the HTTP twin take
 * the transport by name, so one JMH run or one load script measures all of them beside Weft.
 *
 * <p>A native transport that cannot load on this machine (no Linux, a kernel or seccomp policy without io_uring)
 * fails the benchmark's set-up with the loader's reason instead of silently falling back to NIO.
 */
public enum NettyTransport {
    /** The JDK selector transport. */
    NIO(NioIoHandler::newFactory, NioSocketChannel.class, NioServerSocketChannel.class, () -> null),
    /** The native epoll transport (edge-triggered, Linux). */
    EPOLL(EpollIoHandler::newFactory, EpollSocketChannel.class, EpollServerSocketChannel.class,
            () -> Epoll.isAvailable() ? null : Epoll.unavailabilityCause()),
    /** The native io_uring transport (Linux 5.9+). */
    IO_URING(IoUringIoHandler::newFactory, IoUringSocketChannel.class, IoUringServerSocketChannel.class,
            () -> IoUring.isAvailable() ? null : IoUring.unavailabilityCause());

    private final Supplier<IoHandlerFactory> handlers;
    private final Class<? extends SocketChannel> socket;
    private final Class<? extends ServerChannel> server;
    private final Supplier<Throwable> unavailability;

    NettyTransport(Supplier<IoHandlerFactory> handlers, Class<? extends SocketChannel> socket,
            Class<? extends ServerChannel> server, Supplier<Throwable> unavailability) {
        this.handlers = handlers;
        this.socket = socket;
        this.server = server;
        this.unavailability = unavailability;
    }

    /** Parses {@code nio}, {@code epoll} or {@code io_uring} (case-insensitive; {@code iouring} and {@code uring} too). */
    public static NettyTransport of(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case "nio":
                return NIO;
            case "epoll":
                return EPOLL;
            case "io_uring":
            case "iouring":
            case "uring":
                return IO_URING;
            default:
                throw new IllegalArgumentException("unknown Netty transport '" + name + "' (nio, epoll, io_uring)");
        }
    }

    /** Throws {@link IllegalStateException} with the native loader's reason when this transport cannot run here. */
    public NettyTransport requireAvailable() {
        Throwable cause = unavailability.get();
        if (cause != null) {
            throw new IllegalStateException("Netty " + label() + " transport is not available here: " + cause, cause);
        }
        return this;
    }

    /** A new event loop group of {@code threads} loops of this transport. */
    public EventLoopGroup group(int threads) {
        requireAvailable();
        return new MultiThreadIoEventLoopGroup(threads, handlers.get());
    }

    /** The client socket channel class. */
    public Class<? extends SocketChannel> socketChannel() {
        return socket;
    }

    /** The server socket channel class. */
    public Class<? extends ServerChannel> serverChannel() {
        return server;
    }

    /** The lower-case name used on command lines and in tables. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
