package io.weft.bootstrap;

import io.weft.buffer.ReferenceCounted;
import io.weft.channel.ChannelInitializer;
import io.weft.channel.ChannelOption;
import io.weft.channel.TcpServerChannel;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running TCP server, built with {@link #builder()}:
 *
 * <pre>{@code
 * try (Server server = Server.builder()
 *         .childHandler(ch -> ch.pipeline().addLast("echo", new EchoHandler()))
 *         .bind(8007)) {
 *     server.closeFuture().join();
 * }
 * }</pre>
 *
 * <p>At most {@link Builder#maxConnections} connections are served at once; more are closed when accepted.
 *
 * <p>Without explicit groups the server creates one acceptor loop and one worker loop per processor and shuts them
 * down in {@link #close()}; groups passed in are left running.
 */
public final class Server implements AutoCloseable {

    /** The default of {@link Builder#maxConnections}: 10,000 connections open at once per server. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;

    private static final Logger log = LoggerFactory.getLogger(Server.class);

    /** Closes a connection over the limit as soon as it is active; shared (it keeps no state). */
    private static final Handler REFUSE = new Handler() {
        @Override
        public void channelActive(HandlerContext ctx) {
            ctx.close();
        }

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            ReferenceCounted.safeRelease(msg);
        }
    };

    private final TcpServerChannel channel;
    private final EventLoopGroup acceptorGroup;
    private final EventLoopGroup workerGroup;
    private final boolean ownsGroups;

    private Server(TcpServerChannel channel, EventLoopGroup acceptorGroup, EventLoopGroup workerGroup,
            boolean ownsGroups) {
        this.channel = channel;
        this.acceptorGroup = acceptorGroup;
        this.workerGroup = workerGroup;
        this.ownsGroups = ownsGroups;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The listening channel. */
    public TcpServerChannel channel() {
        return channel;
    }

    /**
     * The bound TCP address; {@code null} once closed.
     *
     * @throws IllegalStateException for a server bound to a Unix domain socket (use {@link #address()})
     */
    public InetSocketAddress localAddress() {
        SocketAddress address = channel.localAddress();
        if (address == null || address instanceof InetSocketAddress) {
            return (InetSocketAddress) address;
        }
        throw new IllegalStateException("not a TCP server: bound to " + address + "; use address()");
    }

    /**
     * The bound address: an {@link InetSocketAddress}, or a {@link java.net.UnixDomainSocketAddress}; {@code null}
     * once closed.
     */
    public SocketAddress address() {
        return channel.localAddress();
    }

    /**
     * The bound TCP port (useful after binding port 0).
     *
     * @throws IllegalStateException for a server bound to a Unix domain socket
     */
    public int port() {
        return localAddress().getPort();
    }

    /** The loops serving accepted connections. */
    public EventLoopGroup workerGroup() {
        return workerGroup;
    }

    /** Completes when the listening channel closes. */
    public java.util.concurrent.CompletableFuture<Void> closeFuture() {
        return channel.closeFuture();
    }

    /**
     * Stops accepting and, if the server created its own loops, shuts them down gracefully (closing every
     * connection) and waits for them.
     */
    @Override
    public void close() {
        channel.close().join();
        if (ownsGroups) {
            workerGroup.close();
            if (acceptorGroup != workerGroup) {
                acceptorGroup.close();
            }
        }
    }

    /** Configures and starts a {@link Server}. Not thread-safe; use from one thread. */
    public static final class Builder {
        private EventLoopGroup acceptorGroup;
        private EventLoopGroup workerGroup;
        private final Map<ChannelOption<?>, Object> options = new LinkedHashMap<>();
        private final Map<ChannelOption<?>, Object> childOptions = new LinkedHashMap<>();
        private ChannelInitializer handler;
        private ChannelInitializer childHandler;
        private long bindTimeoutMillis = 10_000;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;

        private Builder() {
        }

        /** Accept and serve connections on the same group. */
        public Builder group(EventLoopGroup group) {
            return group(group, group);
        }

        /** Accept on {@code acceptor}, serve accepted connections on {@code workers}. */
        public Builder group(EventLoopGroup acceptor, EventLoopGroup workers) {
            this.acceptorGroup = acceptor;
            this.workerGroup = workers;
            return this;
        }

        /**
         * An option of the listening socket ({@link ChannelOption#SO_REUSEPORT}, {@link ChannelOption#SO_BACKLOG},
         * ...); any JDK socket option through {@link ChannelOption#of}.
         *
         * @throws IllegalArgumentException if listening sockets do not support the option or refuse the value
         */
        public <T> Builder option(ChannelOption<T> option, T value) {
            options.put(option, SocketOptionCheck.check(option, value, SocketOptionCheck.Kind.LISTENER));
            return this;
        }

        /**
         * An option of every accepted connection; any JDK socket option through {@link ChannelOption#of}.
         *
         * @throws IllegalArgumentException if TCP sockets do not support the option or refuse the value
         */
        public <T> Builder childOption(ChannelOption<T> option, T value) {
            childOptions.put(option, SocketOptionCheck.check(option, value, SocketOptionCheck.Kind.STREAM));
            return this;
        }

        /** Sets up the listening channel's own pipeline (rarely needed). */
        public Builder handler(ChannelInitializer initializer) {
            this.handler = initializer;
            return this;
        }

        /** Sets up each accepted connection's pipeline; runs on that connection's loop. */
        public Builder childHandler(ChannelInitializer initializer) {
            this.childHandler = initializer;
            return this;
        }

        /**
         * At most {@code max} accepted connections open at once ({@link #DEFAULT_MAX_CONNECTIONS} by default). A
         * connection beyond the limit is closed as soon as it is accepted, before its pipeline is set up or a byte
         * of it is read (the client sees the connection closed); it is logged at debug level.
         */
        public Builder maxConnections(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxConnections must be positive, was " + max);
            }
            this.maxConnections = max;
            return this;
        }

        /** How long {@link #bind} waits; 10 s by default. */
        public Builder bindTimeout(long timeout, TimeUnit unit) {
            this.bindTimeoutMillis = unit.toMillis(timeout);
            return this;
        }

        /** Binds all interfaces on {@code port} (0 lets the system choose) and starts serving. */
        public Server bind(int port) {
            return bind(new InetSocketAddress(port));
        }

        /** Binds {@code host:port} and starts serving. */
        public Server bind(String host, int port) {
            return bind(new InetSocketAddress(host, port));
        }

        /**
         * Binds the Unix domain socket {@code path} and starts serving; the socket file is deleted when the server
         * closes. Connections get the same pipeline API as TCP ones; TCP-only options are refused.
         */
        public Server bind(java.nio.file.Path path) {
            return bind(java.net.UnixDomainSocketAddress.of(path));
        }

        /**
         * Binds {@code address} (an {@link InetSocketAddress} or a {@link java.net.UnixDomainSocketAddress}) and
         * starts serving; waits for the bind to finish.
         *
         * @throws IllegalStateException wrapping the cause if binding fails
         */
        public Server bind(SocketAddress address) {
            if (childHandler == null) {
                throw new IllegalStateException("childHandler is required");
            }
            boolean owns = acceptorGroup == null;
            EventLoopGroup acceptor = owns ? new EventLoopGroup(1) : acceptorGroup;
            EventLoopGroup workers = owns ? new EventLoopGroup() : workerGroup;
            try {
                TcpServerChannel channel = TcpServerChannel.bind(acceptor.next(), address, options, handler, workers,
                        childOptions, limited(childHandler, maxConnections)).get(bindTimeoutMillis, TimeUnit.MILLISECONDS);
                return new Server(channel, acceptor, workers, owns);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                shutdownOwned(owns, acceptor, workers);
                throw new IllegalStateException("interrupted while binding " + address, e);
            } catch (ExecutionException | CompletionException | TimeoutException e) {
                shutdownOwned(owns, acceptor, workers);
                Throwable cause = e.getCause() == null ? e : e.getCause();
                throw new IllegalStateException("cannot bind " + address + ": " + cause, cause);
            }
        }

        /** Wraps {@code init} so that at most {@code max} connections are open; extra ones are closed at once. */
        private static ChannelInitializer limited(ChannelInitializer init, int max) {
            AtomicInteger open = new AtomicInteger();
            return ch -> {
                if (open.incrementAndGet() > max) {
                    open.decrementAndGet();
                    log.debug("{}: closed at once: {} connections are open, the limit", ch, max);
                    ch.pipeline().addLast("weft-connection-limit", REFUSE);
                    return;
                }
                ch.closeFuture().whenComplete((v, t) -> open.decrementAndGet());
                init.initChannel(ch);
            };
        }

        private static void shutdownOwned(boolean owns, EventLoopGroup acceptor, EventLoopGroup workers) {
            if (owns) {
                acceptor.close();
                workers.close();
            }
        }
    }
}
