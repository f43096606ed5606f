package io.weft.bootstrap;

import io.weft.channel.ChannelInitializer;
import io.weft.channel.ChannelOption;
import io.weft.channel.UdpChannel;
import io.weft.loop.EventLoopGroup;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Opens UDP channels on an {@link EventLoopGroup}:
 *
 * <pre>{@code
 * UdpChannel server = Udp.builder().group(group)
 *         .handler(ch -> ch.pipeline().addLast("echo", new DatagramEchoHandler()))
 *         .bind("127.0.0.1", 9999).join();
 *
 * UdpChannel client = Udp.builder().group(group)
 *         .handler(ch -> ch.pipeline().addLast("app", new MyHandler()))
 *         .connect(new InetSocketAddress("127.0.0.1", 0), server.localAddress()).join();
 * }</pre>
 *
 * <p>A builder can open any number of channels; it is not thread-safe while being configured, but {@link #bind} and
 * {@link #connect} may be called from any thread once it is. Channels are closed with {@link UdpChannel#close()};
 * the group is the caller's to shut down.
 */
public final class Udp {

    private EventLoopGroup group;
    private final Map<ChannelOption<?>, Object> options = new LinkedHashMap<>();
    private ChannelInitializer handler = ch -> { };
    private ProtocolFamily family;

    private Udp() {
    }

    /** A new builder. */
    public static Udp builder() {
        return new Udp();
    }

    /** The group channels are assigned to (required). */
    public Udp group(EventLoopGroup group) {
        this.group = group;
        return this;
    }

    /** An option of each channel ({@link ChannelOption#MAX_DATAGRAM_SIZE}, {@link ChannelOption#SO_RCVBUF}, ...). */
    public <T> Udp option(ChannelOption<T> option, T value) {
        options.put(option, SocketOptionCheck.check(option, value, SocketOptionCheck.Kind.DATAGRAM));
        return this;
    }

    /**
     * The socket's protocol family ({@link java.net.StandardProtocolFamily#INET} or {@code INET6}); by default the
     * JDK's choice. Set {@code INET} to join IPv4 multicast groups.
     */
    public Udp family(ProtocolFamily family) {
        this.family = family;
        return this;
    }

    /** Sets up each channel's pipeline, on its loop, before it binds. */
    public Udp handler(ChannelInitializer initializer) {
        this.handler = initializer;
        return this;
    }

    /** Binds {@code host:port} (port 0 lets the system choose). */
    public CompletableFuture<UdpChannel> bind(String host, int port) {
        return bind(new InetSocketAddress(host, port));
    }

    /**
     * Binds an unconnected channel to {@code local}: it receives from anyone and sends {@link io.weft.channel.Datagram}s
     * to any recipient.
     *
     * @return a future completing with the bound channel, or failing with the bind error
     */
    public CompletableFuture<UdpChannel> bind(SocketAddress local) {
        return UdpChannel.open(requireGroup().next(), local, null, family, Map.copyOf(options), handler);
    }

    /**
     * Binds a channel to {@code local} and connects it to {@code remote}: it receives only from {@code remote}
     * and may write plain {@link io.weft.buffer.Buffer}s, which go to {@code remote}.
     *
     * @return a future completing with the connected channel, or failing with the bind or connect error
     */
    public CompletableFuture<UdpChannel> connect(SocketAddress local, SocketAddress remote) {
        if (remote == null) {
            throw new NullPointerException("remote");
        }
        return UdpChannel.open(requireGroup().next(), local, remote, family, Map.copyOf(options), handler);
    }

    private EventLoopGroup requireGroup() {
        if (group == null) {
            throw new IllegalStateException("group is required");
        }
        return group;
    }
}
