package io.weft.codec.http.ops;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.function.BiPredicate;

/** One user and password, compared as SHA-256 digests in constant time. */
final class StaticCredentials implements CredentialVerifier {

    /** The comparison used in production: the JDK's constant-time array comparison. */
    static final BiPredicate<byte[], byte[]> CONSTANT_TIME = MessageDigest::isEqual;

    private final byte[] userDigest;
    private final byte[] passwordDigest;
    private final BiPredicate<byte[], byte[]> equality;

    StaticCredentials(String user, String password, BiPredicate<byte[], byte[]> equality) {
        if (user == null || password == null) {
            throw new NullPointerException("user and password are required");
        }
        if (user.indexOf(':') >= 0) {
            throw new IllegalArgumentException("a Basic user name cannot contain ':' (RFC 7617)");
        }
        this.userDigest = sha256(user.getBytes(StandardCharsets.UTF_8));
        this.passwordDigest = sha256(password.getBytes(StandardCharsets.UTF_8));
        this.equality = equality;
    }

    BiPredicate<byte[], byte[]> equality() {
        return equality;
    }

    @Override
    public boolean verify(String user, byte[] password) {
        boolean userOk = equality.test(userDigest, sha256(user.getBytes(StandardCharsets.UTF_8)));
        boolean passwordOk = equality.test(passwordDigest, sha256(password));
        return userOk & passwordOk; // both compared, always
    }

    static byte[] sha256(byte[] input) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(input);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
