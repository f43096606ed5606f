package io.weft.channel;

import io.weft.internal.loop.LoopBoundFuture;
import io.weft.internal.log.ThrottledLog;
import io.weft.loop.EventLoop;
import io.weft.loop.EventLoopGroup;
import io.weft.loop.ScheduledTask;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening TCP socket. It accepts on its own loop and hands each accepted connection to the loop that the child
 * group's {@link io.weft.loop.LoopChooser} picks, where the child initializer sets up its pipeline.
 * Closing it stops accepting; connections already accepted stay open.
 *
 * <p>When {@code accept} fails (for example with "Too many open files"), the channel stops accepting for a pause
 * (default 200 ms, system property {@code weft.acceptPauseMillis}) and fires the error through its pipeline, then
 * tries again: it never spins on a condition that needs time to pass. Pending connections wait in the listen
 * backlog meanwhile. The first failure logs one WARN line, repeats log at DEBUG, and the first accept that succeeds
 * again logs one INFO line.
 */
public final class TcpServerChannel extends Channel {

    private static final Logger log = LoggerFactory.getLogger(TcpServerChannel.class);
    private static final ThrottledLog setupFaults = new ThrottledLog(log);
    /** A throwing accept filter would fail every accept: rate-limit its reports. */
    private static final ThrottledLog filterFaults = new ThrottledLog(log);
    private static final int MAX_ACCEPTS_PER_EVENT = 64;
    /** How long accepting pauses after {@code accept} failed; at least 1 ms. */
    static final long ACCEPT_PAUSE_MILLIS = Math.max(1, Long.getLong("weft.acceptPauseMillis", 200));

    private final ServerSocketChannel socket;
    private final EventLoopGroup childGroup;
    private final Map<ChannelOption<?>, Object> childOptions;
    private final ChannelInitializer childInitializer;
    private final SocketAddress requestedLocal;
    private volatile boolean bound;
    /** Set while accepting is paused after a failure; {@link #resumeAccepting()} clears it. Loop thread only. */
    private ScheduledTask acceptResume;
    /** A {@link #read()} requested while paused, honoured on resume. */
    private boolean readRequestedWhilePaused;
    /** Created up front: a lambda linked while descriptors are exhausted could fail to load its class. */
    private final Runnable resumeTask = this::resumeAccepting;
    /** Failed accepts since the last successful one: one WARN starts an episode, one INFO ends it. */
    private long failuresInEpisode;
    private volatile long acceptFailures;
    private volatile long acceptPauses;
    private AcceptFilter acceptFilter;

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
        CompletableFuture<TcpServerChannel> promise = new LoopBoundFuture<>(loop);
        ServerSocketChannel socket;
        try {
            socket = local instanceof UnixDomainSocketAddress ? ServerSocketChannel.open(StandardProtocolFamily.UNIX)
                    : ServerSocketChannel.open();
        } catch (IOException | UnsupportedOperationException e) {
            promise.completeExceptionally(e);
            return promise;
        }
        if (local instanceof UnixDomainSocketAddress) {
            IllegalArgumentException refused = options.get(ChannelOption.ACCEPT_FILTER) != null
                    ? new IllegalArgumentException("ACCEPT_FILTER filters IP peers; a Unix domain socket server has none")
                    : unsupportedByUnixSockets(childOptions);
            if (refused != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // Refusing the configuration is what matters.
                }
                promise.completeExceptionally(refused);
                return promise;
            }
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

    /**
     * The bound address: an {@link java.net.InetSocketAddress} for TCP, a {@link UnixDomainSocketAddress} for a Unix domain
     * socket; {@code null} if not bound or closed.
     */
    @Override
    public SocketAddress localAddress() {
        try {
            return socket.getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    /** The error for the first socket option of {@code options} a Unix domain stream socket lacks, or null. */
    private static IllegalArgumentException unsupportedByUnixSockets(Map<ChannelOption<?>, Object> options) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            for (ChannelOption<?> option : options.keySet()) {
                if (option.socketOption() != null && !probe.supportedOptions().contains(option.socketOption())) {
                    return new IllegalArgumentException(option.name() + " is not supported by Unix domain sockets");
                }
            }
            return null;
        } catch (IOException e) {
            return new IllegalArgumentException("cannot check options for Unix domain sockets: " + e, e);
        }
    }

    /** Closes the socket; a Unix domain socket's file is deleted with it, so the path can be bound again. */
    @Override
    void closeSocket() {
        SocketAddress bound = localAddress();
        super.closeSocket();
        if (bound instanceof UnixDomainSocketAddress unix && !unix.getPath().toString().isEmpty()) {
            try {
                Files.deleteIfExists(unix.getPath());
            } catch (IOException e) {
                log.debug("{}: cannot delete the socket file {}", this, unix.getPath(), e);
            }
        }
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
                pauseAccepting(e);
                return;
            }
            if (accepted == null) {
                break;
            }
            if (failuresInEpisode > 0) {
                log.info("{}: accepting again after {} failed attempt(s)", this, failuresInEpisode);
                failuresInEpisode = 0;
            }
            AcceptFilter filter = acceptFilter;
            InetSocketAddress remote = null;
            if (filter != null) {
                remote = filterAccepted(filter, accepted);
                if (remote == null) {
                    continue;
                }
            }
            EventLoop childLoop = childGroup.next();
            try {
                TcpChannel child = TcpChannel.accepted(childLoop, accepted, childOptions, childInitializer);
                if (filter != null) {
                    InetSocketAddress peer = remote;
                    child.closeFuture().whenComplete((v, t) -> filter.closed(peer));
                }
            } catch (Throwable e) {
                // Whatever went wrong (even out of memory), it belongs to this connection, not to the listener.
                setupFaults.warn("{}: could not set up accepted connection", this, e);
                if (filter != null) {
                    filter.closed(remote);
                }
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

    /**
     * {@code accept} failed (too many open files, out of memory for socket buffers, ...): stop accepting for
     * {@link #ACCEPT_PAUSE_MILLIS}, so the loop does not spin on a condition that only time can clear.
     */
    private void pauseAccepting(IOException cause) {
        acceptFailures++;
        if (!isOpen() || !socket.isOpen()) {
            return;
        }
        setInterest(SelectionKey.OP_ACCEPT, false);
        if (acceptResume != null) {
            return;
        }
        // Arm the resume first: whatever happens while reporting (the logger itself may be short of descriptors),
        // accepting must come back.
        acceptResume = loop.schedule(resumeTask, ACCEPT_PAUSE_MILLIS, TimeUnit.MILLISECONDS);
        acceptPauses++;
        try {
            if (failuresInEpisode++ == 0) {
                log.warn("{}: accept failed ({}); pausing accepting for {} ms at a time until it succeeds", this,
                        cause.toString(), ACCEPT_PAUSE_MILLIS);
            } else {
                log.debug("{}: accept failed again ({}); pausing {} ms", this, cause.toString(), ACCEPT_PAUSE_MILLIS);
            }
            pipeline.fireExceptionCaught(cause);
        } catch (Throwable t) {
            // Reporting failed; the pause stands and the listener stays open.
        }
    }

    private void resumeAccepting() {
        acceptResume = null;
        if (!isOpen()) {
            return;
        }
        if (autoRead || readRequestedWhilePaused) {
            readRequestedWhilePaused = false;
            setInterest(SelectionKey.OP_ACCEPT, true);
        }
    }

    @Override
    void doRead() {
        if (acceptResume != null) {
            readRequestedWhilePaused = true;
            return;
        }
        super.doRead();
    }

    @Override
    void beforeClose() {
        ScheduledTask resume = acceptResume;
        acceptResume = null;
        if (resume != null) {
            resume.cancel();
        }
    }

    /** Failed {@code accept} calls so far; for tests and metrics. */
    long acceptFailures() {
        return acceptFailures;
    }

    /** Pauses of accepting after a failure so far; for tests and metrics. */
    long acceptPauses() {
        return acceptPauses;
    }

    @Override
    void optionChanged(ChannelOption<?> option, Object value) {
        if (option == ChannelOption.ACCEPT_FILTER) {
            acceptFilter = (AcceptFilter) value;
        }
    }

    /** Asks the accept filter; returns the peer's address if accepted, else closes the socket and returns null. */
    private InetSocketAddress filterAccepted(AcceptFilter filter, SocketChannel accepted) {
        InetSocketAddress remote = null;
        boolean ok = false;
        try {
            remote = (InetSocketAddress) accepted.getRemoteAddress();
            ok = remote != null && filter.accept(remote);
        } catch (IOException e) {
            log.debug("{}: accepted connection vanished before filtering: {}", this, e.toString());
        } catch (RuntimeException e) {
            filterFaults.warn("{}: accept filter failed; refusing {}", this, remote, e);
        }
        if (ok) {
            return remote;
        }
        try {
            accepted.close();
        } catch (IOException ignored) {
            // Refused and closed: nothing more to do.
        }
        return null;
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
