package io.weft.codec.http.ops;

/**
 * Checks a user name and password from an HTTP Basic {@code Authorization} header (RFC 7617). Called on the
 * connection's event loop, so it must not block; a verifier that consults a remote store should cache. Must be
 * thread-safe (one verifier serves every connection).
 *
 * <p>Compare secrets in constant time, as {@link #of(String, String)} does: hash both sides to fixed-length digests
 * and compare them with {@link java.security.MessageDigest#isEqual}, so the time taken does not depend on how much
 * of a guess was right.
 */
@FunctionalInterface
public interface CredentialVerifier {

    /**
     * Whether {@code user} with {@code password} (UTF-8 bytes; the caller wipes the array afterwards) may pass.
     */
    boolean verify(String user, byte[] password);

    /**
     * One fixed user and password, compared in constant time: SHA-256 digests of the user name and the password are
     * compared with {@link java.security.MessageDigest#isEqual}, both of them always, whatever the input.
     */
    static CredentialVerifier of(String user, String password) {
        return new StaticCredentials(user, password, StaticCredentials.CONSTANT_TIME);
    }
}
