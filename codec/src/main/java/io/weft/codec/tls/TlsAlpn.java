package io.weft.codec.tls;

import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's ALPN policy (see {@link ApplicationProtocolSupport}): what the stages after its
 * {@link TlsHandler} serve, the server's choice among the configured protocols, and the check of what was
 * negotiated. The served set is looked up on the loop once the pipeline is complete; the server's selector may
 * read it on a delegated-task thread.
 */
final class TlsAlpn {

    private static final Logger log = LoggerFactory.getLogger(TlsHandler.class);

    private final TlsEngineConfig config;
    /** What the stages after the handler declare; empty if none declares anything; {@code null} until looked up. */
    private volatile Set<String> served;

    TlsAlpn(TlsEngineConfig config) {
        this.config = config;
    }

    /** Whether the stages have been looked up yet. */
    boolean lookedUp() {
        return served != null;
    }

    /**
     * Collects what the stages after {@code ctx}'s handler declare they serve; logs once per builder (WARN: a
     * misconfiguration) the configured protocols that none serves.
     */
    void lookUp(HandlerContext ctx) {
        Set<String> found = new LinkedHashSet<>();
        boolean after = false;
        for (String name : ctx.pipeline().names()) {
            Handler h = ctx.pipeline().get(name);
            if (h == ctx.handler()) {
                after = true;
            } else if (after && h instanceof ApplicationProtocolSupport s) {
                found.addAll(s.supportedApplicationProtocols());
            }
        }
        served = found;
        String[] configured = config.applicationProtocols;
        if (configured != null && !found.isEmpty()) {
            List<String> unserved = new ArrayList<>();
            for (String p : configured) {
                if (!found.contains(p)) {
                    unserved.add(p);
                }
            }
            if (!unserved.isEmpty() && config.alpnWarned.compareAndSet(false, true)) {
                log.warn("TLS is configured to offer ALPN protocol(s) {} but no handler after the TlsHandler serves"
                        + " them (the pipeline serves {}); they will not be negotiated. Configure"
                        + " applicationProtocols(...) with protocols the pipeline speaks.", unserved, found);
            }
        }
    }

    /**
     * The server's choice: its first configured protocol that the client offers and the pipeline serves.
     * {@code ""} (no ALPN) if the pipeline serves none of the configured ones, so the client falls back to its
     * default; {@code null} (the handshake fails with {@code no_application_protocol}, as RFC 7301 says) if the
     * client offers none of the usable ones.
     */
    String select(List<String> offered) {
        Set<String> s = served;
        boolean filter = s != null && !s.isEmpty();
        boolean anyUsable = false;
        for (String p : config.applicationProtocols) {
            if (filter && !s.contains(p)) {
                continue;
            }
            anyUsable = true;
            if (offered.contains(p)) {
                return p;
            }
        }
        return anyUsable ? null : "";
    }

    /**
     * The error for a negotiated protocol that no declaring stage serves (the connection could not work), or
     * {@code null} if {@code negotiated} is fine.
     */
    TlsHandshakeException check(HandlerContext ctx, String negotiated) {
        if (negotiated == null) {
            return null;
        }
        if (served == null) {
            lookUp(ctx);
        }
        Set<String> s = served;
        if (s.isEmpty() || s.contains(negotiated)) {
            return null;
        }
        return new TlsHandshakeException("TLS handshake with " + ctx.channel().remoteAddress()
                + " negotiated the ALPN protocol '" + negotiated + "', which no handler in this pipeline serves ("
                + s + ")");
    }
}
