package io.weft.codec.http.proxy;

import io.weft.balance.BackendSet;
import io.weft.channel.Channel;
import io.weft.channel.ChannelInitializer;
import io.weft.codec.http.HttpDecoderConfig;
import io.weft.codec.http.HttpServerCodec;
import java.time.Duration;
import java.util.Objects;

/**
 * An HTTP/1.1 reverse proxy on the HTTP codec, installed as the child initializer of a
 * {@link io.weft.bootstrap.Server}:
 *
 * <pre>{@code
 * BackendSet backends = new BackendSet(BalanceStrategy.roundRobin());
 * backends.add("10.0.0.1:8080");
 * HealthChecker checker = HealthChecker.start(backends, HealthCheck.http("/"), group);
 * HttpReverseProxy proxy = HttpReverseProxy.builder(backends).build();
 * Server server = Server.builder().group(group).childHandler(proxy).bind(8080);
 * ...
 * proxy.close();   // closes idle pooled backend connections
 * }</pre>
 *
 * <p>Each request is sent to a backend the {@link BackendSet} picks, over a <b>keep-alive connection</b> from a
 * pool kept per backend and per event loop (backend connections live on the client connection's loop, so a
 * request never crosses threads). At most {@link Builder#maxIdlePerBackend} idle connections per backend and loop
 * are kept (default 16), each for at most {@link Builder#idleTimeout} (default 60 s).
 *
 * <ul>
 *   <li><b>Headers:</b> hop-by-hop fields are removed both ways (RFC 9110 section 7.6.1, including those named
 *       in {@code Connection}); {@code Via} is added both ways; {@code X-Forwarded-For}, {@code Forwarded},
 *       {@code X-Forwarded-Proto} and {@code X-Forwarded-Host} are added to requests ({@link ProxyHeaders}).</li>
 *   <li><b>Bodies</b> stream both ways with back-pressure: reading from one side pauses while the other is not
 *       writable.</li>
 *   <li><b>Failures:</b> a failed connect, a broken or timed-out response, and a 502/503/504 from the backend
 *       count against the backend's circuit breaker. A failed connect is retried on another backend
 *       (up to {@link Builder#attempts}, default 3). A request whose backend connection fails after the request
 *       was sent is retried only if its method is idempotent, it has no body and no byte of the response has
 *       been sent to the client. Otherwise the client gets <b>502 Bad Gateway</b>; no available backend gives
 *       <b>503 Service Unavailable</b>; no response head within {@link Builder#responseTimeout} (default 30 s)
 *       gives <b>504 Gateway Timeout</b>. These responses carry {@code Date}, {@code Content-Type},
 *       {@code Content-Length} and {@code Connection}. A backend failing after the response head was forwarded
 *       closes the client connection (the only honest signal left).</li>
 *   <li><b>Cache:</b> optional, in front of the backends: see {@link Builder#cache(ResponseCache)}.</li>
 * </ul>
 *
 * <p>Requests of one client connection are handled one at a time, in order (pipelined requests wait, with the
 * client's reading paused). Not supported: {@code CONNECT} tunnels and protocol upgrades such as WebSocket
 * ({@code Upgrade} is removed as hop-by-hop, so the backend answers as to a plain request), HTTP/2, TLS towards
 * backends.
 *
 * <p>Thread-safe and shareable by any number of connections and loops.
 */
public final class HttpReverseProxy implements ChannelInitializer, AutoCloseable {

    private final BackendSet backends;
    private final int attempts;
    private final Duration connectTimeout;
    private final Duration responseTimeout;
    private final HttpDecoderConfig clientConfig;
    private final HttpDecoderConfig backendConfig;
    private final boolean forwardedHeaders;
    private final String via;
    private final ResponseCache cache;
    final ConnectionPool pool;

    private HttpReverseProxy(Builder b) {
        this.backends = b.backends;
        this.attempts = b.attempts;
        this.connectTimeout = b.connectTimeout;
        this.responseTimeout = b.responseTimeout;
        this.clientConfig = b.clientConfig;
        this.backendConfig = b.backendConfig;
        this.forwardedHeaders = b.forwardedHeaders;
        this.via = b.via;
        this.cache = b.cache;
        this.pool = new ConnectionPool(b.maxIdlePerBackend, b.idleTimeout);
    }

    /** A builder for a proxy in front of {@code backends}. */
    public static Builder builder(BackendSet backends) {
        return new Builder(backends);
    }

    /** Adds the server codec and the proxy handler to an accepted client connection. */
    @Override
    public void initChannel(Channel channel) {
        channel.pipeline().addLast("http", new HttpServerCodec(clientConfig))
                .addLast("http-proxy", new FrontendHandler(this));
    }

    /** Closes the idle pooled backend connections; requests in flight go on. */
    @Override
    public void close() {
        pool.closeAll();
    }

    /** Idle pooled backend connections right now, over all loops and backends (for metrics and tests). */
    public int idleConnections() {
        return pool.idleCount();
    }

    BackendSet backends() {
        return backends;
    }

    int attempts() {
        return attempts;
    }

    Duration connectTimeout() {
        return connectTimeout;
    }

    Duration responseTimeout() {
        return responseTimeout;
    }

    HttpDecoderConfig backendConfig() {
        return backendConfig;
    }

    boolean forwardedHeaders() {
        return forwardedHeaders;
    }

    String via() {
        return via;
    }

    /** The response cache, or {@code null}. */
    public ResponseCache cache() {
        return cache;
    }

    /** Configures an {@link HttpReverseProxy}. Not thread-safe. */
    public static final class Builder {
        private final BackendSet backends;
        private int attempts = 3;
        private Duration connectTimeout = Duration.ofSeconds(3);
        private Duration responseTimeout = Duration.ofSeconds(30);
        private int maxIdlePerBackend = 16;
        private Duration idleTimeout = Duration.ofSeconds(60);
        private HttpDecoderConfig clientConfig = HttpDecoderConfig.DEFAULT;
        private HttpDecoderConfig backendConfig = HttpDecoderConfig.DEFAULT.withMaxContentLength(Long.MAX_VALUE);
        private boolean forwardedHeaders = true;
        private String via = "weft";
        private ResponseCache cache;

        private Builder(BackendSet backends) {
            this.backends = Objects.requireNonNull(backends, "backends");
        }

        /** Backends one request may try (connect failures and safe retries), default 3. */
        public Builder attempts(int attempts) {
            if (attempts <= 0) {
                throw new IllegalArgumentException("attempts must be positive, was " + attempts);
            }
            this.attempts = attempts;
            return this;
        }

        /** How long a backend connect may take, default 3 s. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /** How long the backend may take to send the response head once the request is sent (504 after), 30 s. */
        public Builder responseTimeout(Duration timeout) {
            this.responseTimeout = positive(timeout, "responseTimeout");
            return this;
        }

        /** Idle keep-alive connections kept per backend and per event loop, default 16 (0 disables pooling). */
        public Builder maxIdlePerBackend(int max) {
            if (max < 0) {
                throw new IllegalArgumentException("maxIdlePerBackend must not be negative, was " + max);
            }
            this.maxIdlePerBackend = max;
            return this;
        }

        /** How long an idle pooled connection is kept, default 60 s. */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive(timeout, "idleTimeout");
            return this;
        }

        /** Limits for requests from clients, default {@link HttpDecoderConfig#DEFAULT} (64 MiB bodies). */
        public Builder clientDecoderConfig(HttpDecoderConfig config) {
            this.clientConfig = Objects.requireNonNull(config);
            return this;
        }

        /** Limits for responses from backends; by default the defaults with no body limit (bodies stream). */
        public Builder backendDecoderConfig(HttpDecoderConfig config) {
            this.backendConfig = Objects.requireNonNull(config);
            return this;
        }

        /** Whether to add {@code Forwarded} and {@code X-Forwarded-*} to requests, default {@code true}. */
        public Builder forwardedHeaders(boolean on) {
            this.forwardedHeaders = on;
            return this;
        }

        /** The pseudonym in the {@code Via} fields this proxy adds, default {@code weft}. */
        public Builder via(String pseudonym) {
            this.via = Objects.requireNonNull(pseudonym);
            return this;
        }

        /**
         * Serves cacheable GET responses from {@code cache} and stores them there (none by default); see
         * {@link ResponseCache} for what is stored. One cache may serve several proxies.
         */
        public Builder cache(ResponseCache cache) {
            this.cache = cache;
            return this;
        }

        /** The proxy. */
        public HttpReverseProxy build() {
            return new HttpReverseProxy(this);
        }

        private static Duration positive(Duration d, String what) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, was " + d);
            }
            return d;
        }
    }
}
