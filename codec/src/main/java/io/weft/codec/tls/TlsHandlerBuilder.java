package io.weft.codec.tls;

import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * Settings for {@link TlsHandler}s of one side, and {@link #build()}, which makes a new handler (with a new
 * engine) for each connection. Get one with {@link TlsHandler#server} or {@link TlsHandler#client} (its type is
 * {@link TlsHandler.Builder}). Configure it once, then share it: building is thread-safe as long as the settings
 * are not changed any more. The settings are captured when {@link #build()} is called, in an immutable snapshot
 * that also makes the engine, so a handler never sees later changes.
 *
 * @param <B> the concrete builder type, for chaining
 */
public abstract class TlsHandlerBuilder<B extends TlsHandlerBuilder<B>> {
    private final SSLContext context;
    private final boolean client;
    private String peerHost;
    private int peerPort = -1;
    private boolean sni = true;
    private Boolean hostnameVerification;
    private String[] protocols;
    private String[] cipherSuites;
    private String[] applicationProtocols;
    private ClientAuth clientAuth = ClientAuth.NONE;
    private long handshakeTimeoutMillis = 10_000;
    private long closeNotifyTimeoutMillis = 3_000;
    private int maxBufferedBytes = 1 << 20;
    private int maxPendingWriteBytes = TlsHandler.DEFAULT_MAX_PENDING_WRITE_BYTES;
    private Executor taskExecutor;
    private java.util.function.Consumer<? super SSLEngine> engineConfigurator;
    /** Shared by every handler built here: the ALPN misconfiguration warning is logged once per builder. */
    private final AtomicBoolean alpnWarned = new AtomicBoolean();

    TlsHandlerBuilder(SSLContext context, boolean client) {
        if (context == null) {
            throw new NullPointerException("context");
        }
        this.context = context;
        this.client = client;
    }

    /**
     * Client: the server's host name. It is sent with SNI (unless {@link #sni(boolean) sni(false)} or it is
     * an IP literal), used for session resumption, and checked against the server's certificate unless
     * {@link #hostnameVerification(boolean) hostnameVerification(false)}.
     */
    public B serverName(String host) {
        this.peerHost = host;
        return self();
    }

    /** Client: the server's host name and port (as {@link #serverName}); the port helps session reuse. */
    public B peer(String host, int port) {
        this.peerHost = host;
        this.peerPort = port;
        return self();
    }

    /** Client: whether to send the {@link #serverName} with SNI (default {@code true}). */
    public B sni(boolean send) {
        this.sni = send;
        return self();
    }

    /**
     * Client: whether to check that the server's certificate matches {@link #serverName}, as HTTPS does.
     * Default: on whenever a server name is set.
     */
    public B hostnameVerification(boolean verify) {
        this.hostnameVerification = verify;
        return self();
    }

    /** Enabled protocol versions, for example {@code "TLSv1.3", "TLSv1.2"}; default: the context's. */
    public B protocols(String... protocols) {
        this.protocols = protocols.clone();
        return self();
    }

    /** Enabled cipher suites; default: the context's. */
    public B cipherSuites(String... suites) {
        this.cipherSuites = suites.clone();
        return self();
    }

    /**
     * ALPN protocols in order of preference, for example {@code "h2", "http/1.1"}. A server picks the first of
     * its own list the client also offers; without a common protocol the handshake fails. Only protocols the
     * pipeline can serve are selected: see {@link ApplicationProtocolSupport} (a protocol configured that no
     * stage after this handler serves is logged at WARN once per builder and never selected).
     */
    public B applicationProtocols(String... protocols) {
        this.applicationProtocols = protocols.clone();
        return self();
    }

    /** Server: whether to ask for (or require) a client certificate; default {@link ClientAuth#NONE}. */
    public B clientAuth(ClientAuth auth) {
        if (auth == null) {
            throw new NullPointerException("auth");
        }
        this.clientAuth = auth;
        return self();
    }

    /** How long the handshake may take before the connection is closed; 0 disables. Default 10 s. */
    public B handshakeTimeout(long timeout, TimeUnit unit) {
        if (timeout < 0) {
            throw new IllegalArgumentException("handshake timeout " + timeout + " must be >= 0");
        }
        this.handshakeTimeoutMillis = unit.toMillis(timeout);
        return self();
    }

    /** How long closing waits for the {@code close_notify} alert to be written. Default 3 s. */
    public B closeNotifyTimeout(long timeout, TimeUnit unit) {
        if (timeout <= 0) {
            throw new IllegalArgumentException("close-notify timeout " + timeout + " must be positive");
        }
        this.closeNotifyTimeoutMillis = unit.toMillis(timeout);
        return self();
    }

    /**
     * Bound on received bytes not yet decrypted (partial records, data arriving while a delegated task runs);
     * beyond it the connection fails with a {@link TlsException}. Default 1 MiB; at least one maximal record.
     */
    public B maxBufferedBytes(int bytes) {
        if (bytes < TlsRecords.RECORD_HEADER_LENGTH + TlsRecords.MAX_RECORD_PAYLOAD) {
            throw new IllegalArgumentException("maxBufferedBytes " + bytes + " is below one TLS record ("
                    + (TlsRecords.RECORD_HEADER_LENGTH + TlsRecords.MAX_RECORD_PAYLOAD) + ")");
        }
        this.maxBufferedBytes = bytes;
        return self();
    }

    /**
     * Bound on plaintext bytes of writes the handler holds because it cannot encrypt them yet: writes made
     * before the handshake completes (and writes made behind a {@code FileRegion} being streamed). Before the
     * handshake these bytes count toward the channel's write-buffer watermarks, so {@code isWritable()} turns
     * {@code false} long before the bound; a write that would exceed it fails with a
     * {@link TlsWriteQueueFullException} (its promise, or {@code exceptionCaught} without one). Default
     * {@value TlsHandler#DEFAULT_MAX_PENDING_WRITE_BYTES} bytes (1 MiB).
     */
    public B maxPendingWriteBytes(int bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("maxPendingWriteBytes " + bytes + " must be positive");
        }
        this.maxPendingWriteBytes = bytes;
        return self();
    }

    /**
     * Where the engine's delegated tasks run; default {@link TlsTaskExecutor#shared()}, a small pool with a
     * bounded queue. Never the loop itself: tasks may block for milliseconds. If the executor refuses a task
     * ({@link java.util.concurrent.RejectedExecutionException}), that connection's handshake fails with a
     * {@link TlsTaskRejectedException}.
     */
    public B delegatedTaskExecutor(Executor executor) {
        this.taskExecutor = executor;
        return self();
    }

    private TlsEngineConfig snapshot() {
        return new TlsEngineConfig(context, client, peerHost, peerPort, sni, hostnameVerification,
                protocols == null ? null : protocols.clone(), cipherSuites == null ? null : cipherSuites.clone(),
                applicationProtocols == null ? null : applicationProtocols.clone(), clientAuth,
                handshakeTimeoutMillis, closeNotifyTimeoutMillis, maxBufferedBytes, maxPendingWriteBytes,
                taskExecutor, engineConfigurator, alpnWarned);
    }

    /**
     * Runs {@code configurator} on every new engine, after the settings above: for what they do not cover, such as a
     * provider's own switches (Conscrypt's session tickets: {@code e -> Conscrypt.setUseSessionTickets(e, true)})
     * or {@link javax.net.ssl.SSLParameters} fields of newer JDKs. It runs on the thread that calls
     * {@link #build()} (usually a channel initializer, on the connection's loop), so it must be quick and
     * thread-safe. An exception it throws fails that {@code build()}. {@code null} removes it.
     */
    public B engineConfigurator(java.util.function.Consumer<? super SSLEngine> configurator) {
        this.engineConfigurator = configurator;
        return self();
    }

    /** A new engine configured with these settings. */
    public SSLEngine newEngine() {
        return snapshot().newEngine();
    }

    /** A new handler, with a new engine, for one connection. */
    public TlsHandler build() {
        TlsEngineConfig config = snapshot();
        return TlsHandler.create(config.newEngine(), config);
    }

    /** This builder, typed for chaining. */
    abstract B self();
}
