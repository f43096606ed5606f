package io.weft.codec.tls;

import java.util.List;
import java.util.concurrent.Executor;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * An immutable snapshot of a {@link TlsHandler.Builder}'s settings: everything one connection's handler needs,
 * and the one place where an {@link SSLEngine} is created and configured. Thread-safe.
 */
final class TlsEngineConfig {

    final SSLContext context;
    final boolean client;
    final String peerHost;
    final int peerPort;
    final boolean sni;
    final Boolean hostnameVerification;
    final String[] protocols;
    final String[] cipherSuites;
    final String[] applicationProtocols;
    final ClientAuth clientAuth;
    final long handshakeTimeoutMillis;
    final long closeNotifyTimeoutMillis;
    final int maxBufferedBytes;
    final int maxPendingWriteBytes;
    final Executor taskExecutor;
    /** Runs last on every new engine (provider-specific settings), or {@code null}. */
    final java.util.function.Consumer<? super SSLEngine> engineConfigurator;
    /** Shared by every handler of one builder: the ALPN misconfiguration warning is logged once per builder. */
    final java.util.concurrent.atomic.AtomicBoolean alpnWarned;

    TlsEngineConfig(SSLContext context, boolean client, String peerHost, int peerPort, boolean sni,
            Boolean hostnameVerification, String[] protocols, String[] cipherSuites, String[] applicationProtocols,
            ClientAuth clientAuth, long handshakeTimeoutMillis, long closeNotifyTimeoutMillis, int maxBufferedBytes,
            int maxPendingWriteBytes, Executor taskExecutor, java.util.function.Consumer<? super SSLEngine> engineConfigurator,
            java.util.concurrent.atomic.AtomicBoolean alpnWarned) {
        this.context = context;
        this.client = client;
        this.peerHost = peerHost;
        this.peerPort = peerPort;
        this.sni = sni;
        this.hostnameVerification = hostnameVerification;
        this.protocols = protocols;
        this.cipherSuites = cipherSuites;
        this.applicationProtocols = applicationProtocols;
        this.clientAuth = clientAuth;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        this.closeNotifyTimeoutMillis = closeNotifyTimeoutMillis;
        this.maxBufferedBytes = maxBufferedBytes;
        this.maxPendingWriteBytes = maxPendingWriteBytes;
        this.alpnWarned = alpnWarned;
        this.engineConfigurator = engineConfigurator;
        this.taskExecutor = taskExecutor != null ? taskExecutor : TlsTaskExecutor.shared();
    }

    /** A new engine configured with these settings. */
    SSLEngine newEngine() {
        SSLEngine engine = peerHost != null ? context.createSSLEngine(peerHost, peerPort) : context.createSSLEngine();
        engine.setUseClientMode(client);
        SSLParameters params = engine.getSSLParameters();
        if (protocols != null) {
            params.setProtocols(protocols);
        }
        if (cipherSuites != null) {
            params.setCipherSuites(cipherSuites);
        }
        if (applicationProtocols != null) {
            params.setApplicationProtocols(applicationProtocols);
        }
        if (client) {
            if (peerHost != null && sni && !isIpLiteral(peerHost)) {
                params.setServerNames(List.of(new SNIHostName(peerHost)));
            }
            boolean verify = hostnameVerification != null ? hostnameVerification : peerHost != null;
            if (verify) {
                if (peerHost == null) {
                    throw new IllegalStateException("hostname verification needs serverName(...)");
                }
                params.setEndpointIdentificationAlgorithm("HTTPS");
            }
        } else {
            switch (clientAuth) {
                case REQUIRE -> params.setNeedClientAuth(true);
                case OPTIONAL -> params.setWantClientAuth(true);
                default -> params.setNeedClientAuth(false);
            }
        }
        engine.setSSLParameters(params);
        if (engineConfigurator != null) {
            engineConfigurator.accept(engine);
        }
        return engine;
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(ch -> ch == '.' || (ch >= '0' && ch <= '9'));
    }
}
