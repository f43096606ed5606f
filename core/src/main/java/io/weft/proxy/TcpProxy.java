package io.weft.proxy;

import io.weft.balance.BackendSet;
import io.weft.channel.Channel;
import io.weft.channel.ChannelInitializer;
import io.weft.channel.ChannelOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A TCP load-balancing proxy, installed as the child initializer of a {@link io.weft.bootstrap.Server}:
 *
 * <pre>{@code
 * BackendSet backends = new BackendSet(BalanceStrategy.leastConnections());
 * backends.add("10.0.0.1:7000");
 * backends.add("10.0.0.2:7000");
 * HealthChecker checker = HealthChecker.start(backends, HealthCheck.tcp(), group);
 * Server server = Server.builder().group(group).childHandler(TcpProxy.builder(backends).build()).bind(7000);
 * }</pre>
 *
 * <p>For each accepted client connection the proxy picks a backend from the {@link BackendSet} and connects to it
 * <b>on the client connection's own loop</b>, so both halves of a relay live on one thread and no byte crosses
 * threads. Then it relays both ways:
 * <ul>
 *   <li><b>back-pressure:</b> reading from one side pauses (auto-read off) while the other side is not writable,
 *       and resumes when it drains below its low water mark, so a slow reader on either end holds at most about a
 *       high water mark plus one read batch in the proxy;</li>
 *   <li><b>half-close:</b> a FIN from one side is passed on as {@code shutdownOutput()} to the other after the
 *       bytes before it; the relay ends when both directions are closed;</li>
 *   <li><b>errors:</b> an error or reset on either side closes both; a side that closes normally has the
 *       other side's queued bytes flushed before it is closed;</li>
 *   <li><b>connect failures</b> (refused, timed out) count against the backend's circuit breaker and are retried
 *       on another backend, at most {@link Builder#connectAttempts(int)} attempts in all (default 3); when no
 *       backend is left the client connection is closed;</li>
 *   <li><b>counters:</b> bytes each way are added to {@link io.weft.balance.Backend#bytesToBackend()} and
 *       {@link io.weft.balance.Backend#bytesFromBackend()}.</li>
 * </ul>
 *
 * <p>The proxy sets {@link ChannelOption#ALLOW_HALF_CLOSURE} and {@link ChannelOption#AUTO_READ} on the client
 * connection itself. One {@code TcpProxy} serves any number of connections; it is immutable and thread-safe.
 */
public final class TcpProxy implements ChannelInitializer {

    private final BackendSet backends;
    private final int connectAttempts;
    private final Map<ChannelOption<?>, Object> backendOptions;
    private final ChannelInitializer backendInitializer;

    private TcpProxy(Builder builder) {
        this.backends = builder.backends;
        this.connectAttempts = builder.connectAttempts;
        Map<ChannelOption<?>, Object> options = new LinkedHashMap<>(builder.backendOptions);
        options.put(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, builder.connectTimeout.toMillis()));
        options.put(ChannelOption.ALLOW_HALF_CLOSURE, true);
        this.backendOptions = Map.copyOf(options);
        this.backendInitializer = builder.backendInitializer;
    }

    /** A builder for a proxy in front of {@code backends}. */
    public static Builder builder(BackendSet backends) {
        return new Builder(backends);
    }

    /** The backends connections are spread over. */
    public BackendSet backends() {
        return backends;
    }

    /** Adds the proxy handler to an accepted client connection. */
    @Override
    public void initChannel(Channel channel) {
        channel.pipeline().addLast("tcp-proxy", new TcpProxyHandler(this));
    }

    int connectAttempts() {
        return connectAttempts;
    }

    Map<ChannelOption<?>, Object> backendOptions() {
        return backendOptions;
    }

    ChannelInitializer backendInitializer() {
        return backendInitializer;
    }

    /** Configures a {@link TcpProxy}. Not thread-safe. */
    public static final class Builder {
        private final BackendSet backends;
        private int connectAttempts = 3;
        private Duration connectTimeout = Duration.ofSeconds(3);
        private final Map<ChannelOption<?>, Object> backendOptions = new LinkedHashMap<>();
        private ChannelInitializer backendInitializer;

        private Builder(BackendSet backends) {
            this.backends = Objects.requireNonNull(backends, "backends");
        }

        /**
         * How many backends one client connection may try to connect to before giving up (default 3; never more
         * than the backends available).
         */
        public Builder connectAttempts(int attempts) {
            if (attempts <= 0) {
                throw new IllegalArgumentException("connectAttempts must be positive, was " + attempts);
            }
            this.connectAttempts = attempts;
            return this;
        }

        /** How long one backend connect may take (default 3 s). */
        public Builder connectTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive, was " + timeout);
            }
            this.connectTimeout = timeout;
            return this;
        }

        /** An option of every backend connection (for example {@link ChannelOption#SO_RCVBUF}). */
        public <T> Builder backendOption(ChannelOption<T> option, T value) {
            backendOptions.put(option, option.cast(value));
            return this;
        }

        /**
         * Runs on each backend connection before the relay handler is added (which goes last), for example to add
         * TLS towards the backends or a logging handler. Optional.
         */
        public Builder backendInitializer(ChannelInitializer initializer) {
            this.backendInitializer = initializer;
            return this;
        }

        /** The proxy. */
        public TcpProxy build() {
            return new TcpProxy(this);
        }
    }
}
