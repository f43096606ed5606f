package io.weft.codec.http.ops;

/**
 * Checks a bearer token from an {@code Authorization: Bearer TOKEN} header (RFC 6750); the hook for token-based
 * authentication in {@link BasicAuth}. Called on the event loop (must not block) from every connection (must be
 * thread-safe). Compare secrets in constant time.
 */
@FunctionalInterface
public interface BearerTokenVerifier {

    /** Whether {@code token} (already checked to be {@code token68} syntax) grants access. */
    boolean verify(String token);
}
