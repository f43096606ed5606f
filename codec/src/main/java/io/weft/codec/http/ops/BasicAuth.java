package io.weft.codec.http.ops;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * HTTP authentication policy for a server: Basic (RFC 7617) with a pluggable {@link CredentialVerifier}, an
 * optional bearer-token hook (RFC 6750) and paths exempt from authentication. Immutable and thread-safe: build it
 * once, and add {@link #newHandler()} to every connection's pipeline after the {@code HttpServerCodec}:
 *
 * <pre>{@code
 * BasicAuth auth = BasicAuth.builder("ops")
 *         .credentials(CredentialVerifier.of("admin", secret))
 *         .exemptPath("/metrics")
 *         .build();
 * ch.pipeline().addLast("http", new HttpServerCodec())
 *              .addLast("auth", auth.newHandler())
 *              .addLast("app", new MyHandler());
 * }</pre>
 *
 * <p>A request without valid credentials is answered {@code 401 Unauthorized} with
 * {@code WWW-Authenticate: Basic realm="...", charset="UTF-8"} (and {@code Bearer realm="..."} when a bearer
 * verifier is set) and does not reach the application; its body is discarded and the connection stays usable.
 * Malformed headers (unknown scheme, bad Base64, no colon, invalid UTF-8, control characters, several
 * {@code Authorization} fields) are answered {@code 401} as well, never {@code 500}. A syntactically invalid bearer
 * token gets {@code 400} with {@code error="invalid_request"} and a rejected one {@code 401} with
 * {@code error="invalid_token"}, as RFC 6750 asks.
 *
 * <p>Exempt paths are matched against the request path without its query; a path with dot segments
 * ({@code /./}, {@code /../}) or percent-encoded characters is never exempt, so a prefix cannot be escaped by path
 * tricks. Counters ({@link #authenticated()}, {@link #rejected()}, {@link #malformed()}) are for monitoring.
 * There is no lock-out after failures: combine with connection-rate limits
 * ({@link io.weft.handler.access.IpFilter}) in front.
 */
public final class BasicAuth {

    private final String realm;
    private final CredentialVerifier credentials;
    private final BearerTokenVerifier bearer;
    private final Set<String> exemptPaths;
    private final List<String> exemptPrefixes;
    private final String basicChallenge;
    private final String bearerChallenge;
    final LongAdder authenticated = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder malformed = new LongAdder();

    private BasicAuth(Builder b) {
        this.realm = b.realm;
        this.credentials = b.credentials;
        this.bearer = b.bearer;
        this.exemptPaths = Set.copyOf(b.exemptPaths);
        this.exemptPrefixes = List.copyOf(b.exemptPrefixes);
        String quoted = quote(realm);
        this.basicChallenge = credentials == null ? null : "Basic realm=" + quoted + ", charset=\"UTF-8\"";
        this.bearerChallenge = bearer == null ? null : "Bearer realm=" + quoted;
    }

    /** A builder for the protection space {@code realm}. */
    public static Builder builder(String realm) {
        return new Builder(realm);
    }

    /** A new handler for one connection. */
    public BasicAuthHandler newHandler() {
        return new BasicAuthHandler(this);
    }

    /** The realm. */
    public String realm() {
        return realm;
    }

    /** Requests that passed with valid credentials. */
    public long authenticated() {
        return authenticated.sum();
    }

    /** Requests answered 401 because credentials were missing or wrong. */
    public long rejected() {
        return rejected.sum();
    }

    /** Requests answered 400 or 401 because the {@code Authorization} header was malformed. */
    public long malformed() {
        return malformed.sum();
    }

    CredentialVerifier credentials() {
        return credentials;
    }

    BearerTokenVerifier bearer() {
        return bearer;
    }

    String basicChallenge() {
        return basicChallenge;
    }

    String bearerChallenge() {
        return bearerChallenge;
    }

    boolean isExempt(String path) {
        if (path.indexOf('%') >= 0 || path.contains("/./") || path.contains("/../") || path.endsWith("/.")
                || path.endsWith("/..")) {
            return false;
        }
        if (exemptPaths.contains(path)) {
            return true;
        }
        for (String prefix : exemptPrefixes) {
            if (path.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"').toString();
    }

    /** Configures a {@link BasicAuth}. */
    public static final class Builder {
        private final String realm;
        private CredentialVerifier credentials;
        private BearerTokenVerifier bearer;
        private final Set<String> exemptPaths = new LinkedHashSet<>();
        private final List<String> exemptPrefixes = new ArrayList<>();

        private Builder(String realm) {
            if (realm == null || realm.isEmpty()) {
                throw new IllegalArgumentException("realm is required");
            }
            for (int i = 0; i < realm.length(); i++) {
                char c = realm.charAt(i);
                if (c < 0x20 || c == 0x7f) {
                    throw new IllegalArgumentException("realm contains a control character");
                }
            }
            this.realm = realm;
        }

        /** The Basic credential check. */
        public Builder credentials(CredentialVerifier verifier) {
            this.credentials = verifier;
            return this;
        }

        /** Also accept {@code Authorization: Bearer} tokens checked by {@code verifier}. */
        public Builder bearer(BearerTokenVerifier verifier) {
            this.bearer = verifier;
            return this;
        }

        /** Requests for exactly {@code path} (for example {@code /metrics}) pass without credentials. */
        public Builder exemptPath(String path) {
            checkPath(path);
            exemptPaths.add(path);
            return this;
        }

        /** Requests for paths starting with {@code prefix} (for example {@code /public/}) pass without credentials. */
        public Builder exemptPrefix(String prefix) {
            checkPath(prefix);
            exemptPrefixes.add(prefix);
            return this;
        }

        private static void checkPath(String path) {
            if (path == null || !path.startsWith("/")) {
                throw new IllegalArgumentException("path must start with '/': " + path);
            }
        }

        /**
         * The policy.
         *
         * @throws IllegalStateException if neither credentials nor a bearer verifier is set
         */
        public BasicAuth build() {
            if (credentials == null && bearer == null) {
                throw new IllegalStateException("set credentials() or bearer()");
            }
            return new BasicAuth(this);
        }
    }
}
