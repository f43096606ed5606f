package io.weft.channel;

import io.weft.loop.EventLoop;
import io.weft.loop.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening TCP socket. It accepts on its own loop and hands each accepted connection to the loop that the child
 * group's {@link io.weft.loop.LoopChooser} picks, where the child initializer sets up its pipeline.
 * Closing it stops accepting; connections already accepted stay open.
 */
public final class TcpServerChannel extends Channel {

    private static final Logger log = LoggerFactory.getLogger(TcpServerChannel.class);
    private static final int MAX_ACCEPTS_PER_EVENT = 64;

    private final ServerSocketChannel socket;
    private final EventLoopGroup childGroup;
    private final Map<ChannelOption<?>, Object> childOptions;
    private final ChannelInitializer childInitializer;
    private final SocketAddress requestedLocal;
    private volatile boolean bound;

    private TcpServerChannel(EventLoop loop, ServerSocketChannel socket, SocketAddress local, EventLoopGroup childGroup,
            Map<ChannelOption<?>, Object> childOptions, ChannelInitializer childInitializer) {
        super(loop);
        this.socket = socket;
        this.requestedLocal = local;
        this.childGroup = childGroup;
        this.childOptions = Map.copyOf(childOptions);
        this.childInitializer = childInitializer;
    }

    /**
     * Binds a listening socket to {@code local} on {@code loop}.
     *
     * @param options          options of the listening socket ({@link ChannelOption#SO_BACKLOG},
     *                         {@link ChannelOption#SO_REUSEADDR}, ...)
     * @param initializer      sets up the server channel's own pipeline (may be {@code null})
     * @param childGroup       loops for accepted connections
     * @param childOptions     options for each accepted connection
     * @param childInitializer sets up each accepted connection's pipeline
     * @return a future completing with the bound channel
     */
    public static CompletableFuture<TcpServerChannel> bind(EventLoop loop, SocketAddress local,
            Map<ChannelOption<?>, Object> options, ChannelInitializer initializer, EventLoopGroup childGroup,
            Map<ChannelOption<?>, Object> childOptions, ChannelInitializer childInitializer) {
        CompletableFuture<TcpServerChannel> promise = new CompletableFuture<>();
        ServerSocketChannel socket;
        try {
            socket = ServerSocketChannel.open();
        } catch (IOException e) {
            promise.completeExceptionally(e);
            return promise;
        }
        TcpServerChannel channel =
                new TcpServerChannel(loop, socket, local, childGroup, childOptions, childInitializer);
        if (!channel.configure(options, promise)) {
            return promise;
        }
        channel.expectStart(promise);
        channel.register(initializer);
        return promise;
    }

    @Override
    SelectableChannel javaChannel() {
        return socket;
    }

    @Override
    int readOp() {
        return SelectionKey.OP_ACCEPT;
    }

    @Override
    boolean wasActive() {
        return bound;
    }

    @Override
    public InetSocketAddress localAddress() {
        return boundAddress();
    }

    @Override
    public SocketAddress remoteAddress() {
        return null;
    }

    /** The group accepted connections are assigned to. */
    public EventLoopGroup childGroup() {
        return childGroup;
    }

    @Override
    void afterRegistration() {
        CompletableFuture<TcpServerChannel> promise = takeStartPromise();
        try {
            socket.bind(requestedLocal, option(ChannelOption.SO_BACKLOG));
        } catch (IOException | RuntimeException e) {
            closeNow(null);
            if (promise != null) {
                promise.completeExceptionally(e);
            }
            return;
        }
        bound = true;
        if (autoRead) {
            setInterest(SelectionKey.OP_ACCEPT, true);
        }
        pipeline.fireChannelActive();
        if (promise != null) {
            promise.complete(this);
        }
    }

    @Override
    void handleReady(int readyOps) {
        if ((readyOps & SelectionKey.OP_ACCEPT) == 0) {
            return;
        }
        for (int i = 0; i < MAX_ACCEPTS_PER_EVENT && isOpen(); i++) {
            SocketChannel accepted;
            try {
                accepted = socket.accept();
            } catch (IOException e) {
                // For example too many open files: keep listening, the condition may pass.
                log.warn("{}: accept failed: {}", this, e.toString());
                pipeline.fireExceptionCaught(e);
                return;
            }
            if (accepted == null) {
                break;
            }
            EventLoop childLoop = childGroup.next();
            try {
                TcpChannel.accepted(childLoop, accepted, childOptions, childInitializer);
            } catch (RuntimeException e) {
                log.warn("{}: could not set up accepted connection: {}", this, e.toString());
                try {
                    accepted.close();
                } catch (IOException ignored) {
                    // Nothing more to do for a connection we could not set up.
                }
            }
        }
        if (!autoRead) {
            setInterest(SelectionKey.OP_ACCEPT, false);
        }
    }

    @Override
    void doWrite(Object msg, CompletableFuture<Void> promise) {
        if (!isOpen()) {
            failClosedWrite(msg, promise);
            return;
        }
        io.weft.buffer.ReferenceCounted.safeRelease(msg);
        UnsupportedOperationException error = new UnsupportedOperationException("a server channel cannot write");
        if (promise != null) {
            promise.completeExceptionally(error);
        }
    }

    @Override
    void doFlush() {
    }

    @Override
    void failPendingWrites(Throwable cause) {
    }
}
