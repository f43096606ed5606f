package io.weft.bootstrap;

import io.weft.channel.ChannelInitializer;
import io.weft.channel.ChannelOption;
import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoop;
import io.weft.loop.EventLoopGroup;
import io.weft.loop.ScheduledTask;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client connection that comes back by itself: whenever the connection closes or an attempt fails, it connects
 * again after a capped exponential backoff with full jitter (attempt {@code n} waits a random time in
 * {@code [0, min(maxBackoff, initialBackoff * 2^n)]}, AWS's "full jitter"), until {@link #close()}.
 *
 * <pre>{@code
 * ReconnectingClient link = ReconnectingClient.builder()
 *         .group(group)
 *         .handler(ch -> ch.pipeline().addLast("app", new MyHandler()))
 *         .remote("10.0.0.1", 7000)
 *         .listener(new ReconnectingClient.Listener() {
 *             public void connected(TcpChannel ch) { log.info("link up"); }
 *             public void disconnected(TcpChannel ch) { log.info("link down"); }
 *         })
 *         .start();
 * }</pre>
 *
 * <p>Each connection is a fresh channel set up by the initializer, so handlers start clean every time. The
 * backoff starts over after a successful connect. Defaults: initial backoff 100 ms, maximum 30 s.
 *
 * <p>Thread-safe. Listener methods run on an event loop thread, one at a time; they must not block.
 */
public final class ReconnectingClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReconnectingClient.class);

    /** What the application hears about the link. Every method has an empty default. */
    public interface Listener {
        /** A connection is up ({@code channel} is active); on the channel's loop. */
        default void connected(TcpChannel channel) {
        }

        /** The connection that was up has closed; a reconnect is scheduled unless the client was closed. */
        default void disconnected(TcpChannel channel) {
        }

        /**
         * Attempt number {@code attempt} (counted from 1 since the last success) failed with {@code cause}; the next
         * one starts in {@code retryIn}.
         */
        default void attemptFailed(Throwable cause, int attempt, Duration retryIn) {
        }
    }

    private final Client client;
    private final EventLoop timerLoop;
    private final SocketAddress remote;
    private final long initialNanos;
    private final long maxNanos;
    private final Listener listener;
    /** Guards the fields below; held briefly, never while calling out. */
    private final Object lock = new Object();
    private boolean closed;
    private int failures;
    private TcpChannel channel;
    private ScheduledTask pending;

    private ReconnectingClient(Builder b) {
        this.client = Client.builder().group(b.group).handler(b.handler);
        for (var entry : b.options.entrySet()) {
            setOption(client, entry.getKey(), entry.getValue());
        }
        this.timerLoop = b.group.next();
        this.remote = b.remote;
        this.initialNanos = b.initialBackoff.toNanos();
        this.maxNanos = b.maxBackoff.toNanos();
        this.listener = b.listener;
    }

    @SuppressWarnings("unchecked")
    private static <T> void setOption(Client client, ChannelOption<T> option, Object value) {
        client.option(option, (T) value);
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The connection if it is up now, else {@code null}. */
    public TcpChannel channel() {
        synchronized (lock) {
            return channel != null && channel.isActive() ? channel : null;
        }
    }

    /** Whether a connection is up now. */
    public boolean isConnected() {
        return channel() != null;
    }

    /** Stops reconnecting and closes the current connection, if any. */
    @Override
    public void close() {
        TcpChannel current;
        synchronized (lock) {
            closed = true;
            current = channel;
            channel = null;
            if (pending != null) {
                pending.cancel();
                pending = null;
            }
        }
        if (current != null) {
            current.close();
        }
    }

    /**
     * The wait before attempt {@code attempt} (0-based): uniform in {@code [0, min(max, initial * 2^attempt)]}.
     * Package-private for tests.
     */
    static long backoffNanos(int attempt, long initialNanos, long maxNanos, double random) {
        int shift = Math.min(attempt, 40);
        long ceiling = initialNanos > (maxNanos >> shift) ? maxNanos : Math.min(maxNanos, initialNanos << shift);
        return (long) (random * ceiling);
    }

    private void connect() {
        synchronized (lock) {
            pending = null;
            if (closed) {
                return;
            }
        }
        try {
            client.connect(remote).whenComplete((ch, error) -> {
                if (error != null) {
                    failed(error);
                } else {
                    up(ch);
                }
            });
        } catch (RejectedExecutionException e) {
            log.debug("not reconnecting to {}: the event loops are shutting down", remote);
        }
    }

    private void up(TcpChannel ch) {
        synchronized (lock) {
            if (closed) {
                ch.close();
                return;
            }
            channel = ch;
            failures = 0;
        }
        ch.closeFuture().whenComplete((v, t) -> down(ch));
        log.debug("connected to {}", remote);
        listener.connected(ch);
    }

    private void down(TcpChannel ch) {
        boolean reconnect;
        synchronized (lock) {
            if (channel == ch) {
                channel = null;
            }
            reconnect = !closed;
        }
        log.debug("connection to {} closed", remote);
        listener.disconnected(ch);
        if (reconnect) {
            schedule(0);
        }
    }

    private void failed(Throwable error) {
        int attempt;
        synchronized (lock) {
            if (closed) {
                return;
            }
            attempt = ++failures;
        }
        long delay = schedule(attempt);
        log.debug("connect to {} failed (attempt {}): {}; next in {} ms", remote, attempt, error.toString(),
                delay / 1_000_000);
        listener.attemptFailed(error, attempt, Duration.ofNanos(delay));
    }

    /** Schedules the next attempt after the backoff for {@code attempt}; returns the delay. */
    private long schedule(int attempt) {
        long delay = backoffNanos(attempt, initialNanos, maxNanos, ThreadLocalRandom.current().nextDouble());
        synchronized (lock) {
            if (closed || timerLoop.isShuttingDown()) {
                return delay;
            }
            try {
                pending = timerLoop.schedule(this::connect, delay, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                log.debug("not reconnecting to {}: the event loops are shutting down", remote);
            }
        }
        return delay;
    }

    /** Configures a {@link ReconnectingClient}. Not thread-safe. */
    public static final class Builder {
        private EventLoopGroup group;
        private ChannelInitializer handler = ch -> { };
        private final java.util.Map<ChannelOption<?>, Object> options = new java.util.LinkedHashMap<>();
        private SocketAddress remote;
        private Duration initialBackoff = Duration.ofMillis(100);
        private Duration maxBackoff = Duration.ofSeconds(30);
        private Listener listener = new Listener() { };

        private Builder() {
        }

        /** The group connections and backoff timers run on (required). */
        public Builder group(EventLoopGroup group) {
            this.group = group;
            return this;
        }

        /** Sets up each new connection's pipeline. */
        public Builder handler(ChannelInitializer initializer) {
            this.handler = Objects.requireNonNull(initializer, "initializer");
            return this;
        }

        /** An option of each connection (for example {@link ChannelOption#CONNECT_TIMEOUT_MILLIS}). */
        public <T> Builder option(ChannelOption<T> option, T value) {
            options.put(option, option.cast(value));
            return this;
        }

        /** Where to connect (required). */
        public Builder remote(SocketAddress remote) {
            this.remote = remote;
            return this;
        }

        /** Where to connect (required); resolved now. */
        public Builder remote(String host, int port) {
            return remote(new InetSocketAddress(host, port));
        }

        /** The backoff ceiling of the first retry and the cap it doubles up to (defaults 100 ms and 30 s). */
        public Builder backoff(Duration initial, Duration max) {
            if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("need 0 < initial <= max, got " + initial + " and " + max);
            }
            this.initialBackoff = initial;
            this.maxBackoff = max;
            return this;
        }

        /** Who hears about the link going up and down. */
        public Builder listener(Listener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Starts the first connection attempt at once and returns the client. */
        public ReconnectingClient start() {
            if (group == null || remote == null) {
                throw new IllegalStateException("group and remote are required");
            }
            ReconnectingClient client = new ReconnectingClient(this);
            client.connect();
            return client;
        }
    }
}
