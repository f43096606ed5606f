package io.weft.bootstrap;

import io.weft.internal.loop.LoopBoundFuture;
import io.weft.channel.ChannelInitializer;
import io.weft.channel.ChannelOption;
import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoopGroup;
import io.weft.loop.EventLoop;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Opens TCP client connections on an {@link EventLoopGroup}:
 *
 * <pre>{@code
 * Client client = Client.builder().group(group)
 *         .handler(ch -> ch.pipeline().addLast("app", new MyHandler()));
 * TcpChannel channel = client.connect("127.0.0.1", 8007).join();
 * }</pre>
 *
 * <p>A builder can open any number of connections; it is not thread-safe while being configured, but
 * {@link #connect} may be called from any thread once it is.
 */
public final class Client {

    private EventLoopGroup group;
    private final Map<ChannelOption<?>, Object> options = new LinkedHashMap<>();
    private ChannelInitializer handler = ch -> { };
    private NameResolver resolver = NameResolver.SYSTEM;
    private long resolveTimeoutMillis = 5_000;
    private long resolveCacheTtlMillis = 30_000;
    private int resolveCacheSize = 256;
    private Resolution resolution;

    private Client() {
    }

    /** A new builder. */
    public static Client builder() {
        return new Client();
    }

    /** The group connections are assigned to (required). */
    public Client group(EventLoopGroup group) {
        this.group = group;
        return this;
    }

    /**
     * An option of each connection; any JDK socket option through {@link ChannelOption#of}.
     *
     * @throws IllegalArgumentException if TCP sockets do not support the option or refuse the value
     */
    public <T> Client option(ChannelOption<T> option, T value) {
        options.put(option, SocketOptionCheck.check(option, value, SocketOptionCheck.Kind.STREAM));
        return this;
    }

    /** Sets up each connection's pipeline, on its loop, before it connects. */
    public Client handler(ChannelInitializer initializer) {
        this.handler = initializer;
        return this;
    }

    /**
     * How host names are resolved (default {@link NameResolver#SYSTEM}). The resolver runs on a small bounded pool
     * of resolver threads, never on an event loop and never on the thread calling {@link #connect}.
     */
    public Client resolver(NameResolver resolver) {
        this.resolver = java.util.Objects.requireNonNull(resolver, "resolver");
        this.resolution = null;
        return this;
    }

    /**
     * Limits of name resolution: a lookup that takes longer than {@code timeout} fails the connect with an
     * {@link java.net.UnknownHostException} (default 5 s); answers are cached for {@code cacheTtl} (default 30 s,
     * 0 to not cache), for at most {@code cacheSize} names (default 256, least recently used dropped first).
     */
    public Client resolverLimits(long timeout, long cacheTtl, TimeUnit unit, int cacheSize) {
        if (timeout <= 0 || cacheTtl < 0 || cacheSize < 0) {
            throw new IllegalArgumentException("timeout must be positive, cache TTL and size not negative: "
                    + timeout + ", " + cacheTtl + ", " + cacheSize);
        }
        this.resolveTimeoutMillis = Math.max(1, unit.toMillis(timeout));
        this.resolveCacheTtlMillis = unit.toMillis(cacheTtl);
        this.resolveCacheSize = cacheSize;
        this.resolution = null;
        return this;
    }

    /**
     * Connects to {@code host:port}. A host name is resolved off the loops (see {@link #resolver}); an IP literal
     * needs no lookup. Returns at once.
     *
     * @return a future completing with the connected channel, or failing with an
     *     {@link java.net.UnknownHostException} (the name does not resolve, or not in time), the connect error or a
     *     {@link io.weft.channel.ConnectTimeoutException}
     */
    public CompletableFuture<TcpChannel> connect(String host, int port) {
        return connect(InetSocketAddress.createUnresolved(host, port));
    }

    /**
     * Connects to {@code remote} (an {@link InetSocketAddress}, resolved off the loops first if it is unresolved,
     * or a {@link java.net.UnixDomainSocketAddress}) on the loop the group's chooser picks.
     *
     * @return a future completing with the connected channel, or failing with the resolution error, the connect
     *     error or a {@link io.weft.channel.ConnectTimeoutException}
     */
    public CompletableFuture<TcpChannel> connect(SocketAddress remote) {
        if (group == null) {
            throw new IllegalStateException("group is required");
        }
        EventLoop loop = group.next();
        Map<ChannelOption<?>, Object> settings = Map.copyOf(options);
        ChannelInitializer init = handler;
        if (!(remote instanceof InetSocketAddress inet) || !inet.isUnresolved()) {
            return TcpChannel.connect(loop, remote, settings, init);
        }
        String host = inet.getHostString();
        int port = inet.getPort();
        if (isIpLiteral(host)) {
            try {
                return TcpChannel.connect(loop, new InetSocketAddress(InetAddress.getByName(host), port), settings,
                        init);
            } catch (java.net.UnknownHostException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        CompletableFuture<TcpChannel> result = new LoopBoundFuture<>(loop);
        resolution().resolve(host, loop).whenComplete((address, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
                return;
            }
            TcpChannel.connect(loop, new InetSocketAddress(address, port), settings, init)
                    .whenComplete((channel, connectError) -> {
                        if (connectError != null) {
                            result.completeExceptionally(connectError);
                        } else if (!result.complete(channel)) {
                            channel.close(); // nobody is waiting any more
                        }
                    });
        });
        return result;
    }

    private synchronized Resolution resolution() {
        if (resolution == null) {
            resolution = new Resolution(resolver, resolveCacheTtlMillis, resolveCacheSize, resolveTimeoutMillis);
        }
        return resolution;
    }

    /** Whether {@code host} is an IPv4 or IPv6 literal, which {@link InetAddress#getByName} parses without a lookup. */
    static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true; // IPv6 (host names cannot contain ':')
        }
        int dots = 0;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == '.') {
                dots++;
            } else if (c < '0' || c > '9') {
                return false;
            }
        }
        return dots == 3;
    }
}
