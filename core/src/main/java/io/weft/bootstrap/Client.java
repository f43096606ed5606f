package io.weft.bootstrap;

import io.weft.channel.ChannelInitializer;
import io.weft.channel.ChannelOption;
import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoopGroup;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

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

    /** Connects to {@code host:port}. */
    public CompletableFuture<TcpChannel> connect(String host, int port) {
        return connect(new InetSocketAddress(host, port));
    }

    /**
     * Connects to {@code remote} on the loop the group's chooser picks.
     *
     * @return a future completing with the connected channel, or failing with the connect error or a
     *     {@link io.weft.channel.ConnectTimeoutException}
     */
    public CompletableFuture<TcpChannel> connect(SocketAddress remote) {
        if (group == null) {
            throw new IllegalStateException("group is required");
        }
        return TcpChannel.connect(group.next(), remote, Map.copyOf(options), handler);
    }
}
