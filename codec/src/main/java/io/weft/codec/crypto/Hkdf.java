package io.weft.codec.crypto;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA256 (RFC 5869), built on the JDK's {@link Mac}: {@link #extract} a pseudorandom key from input
 * keying material and a salt, then {@link #expand} it into as many bytes of output keying material as needed (at
 * most 255 × 32 = 8,160). Stateless and thread-safe.
 */
public final class Hkdf {

    /** Output length of HMAC-SHA256, in bytes. */
    public static final int HASH_LENGTH = 32;
    private static final String HMAC = "HmacSHA256";

    private Hkdf() {
    }

    /**
     * HKDF-Extract: {@code PRK = HMAC-SHA256(salt, ikm)}; an empty or {@code null} salt means 32 zero bytes.
     */
    public static byte[] extract(byte[] salt, byte[] ikm) {
        byte[] key = salt == null || salt.length == 0 ? new byte[HASH_LENGTH] : salt;
        Mac mac = mac(key);
        return mac.doFinal(ikm);
    }

    /**
     * HKDF-Expand: {@code length} bytes of {@code T(1) | T(2) | ...} where
     * {@code T(i) = HMAC-SHA256(prk, T(i-1) | info | i)}.
     *
     * @throws IllegalArgumentException if {@code length} is negative or above 8,160, or {@code prk} is shorter than
     *     32 bytes
     */
    public static byte[] expand(byte[] prk, byte[] info, int length) {
        if (length < 0 || length > 255 * HASH_LENGTH) {
            throw new IllegalArgumentException("HKDF output length " + length + " outside 0.." + 255 * HASH_LENGTH);
        }
        if (prk.length < HASH_LENGTH) {
            throw new IllegalArgumentException("PRK of " + prk.length + " bytes is shorter than " + HASH_LENGTH);
        }
        Mac mac = mac(prk);
        byte[] out = new byte[length];
        byte[] t = new byte[0];
        int done = 0;
        for (int i = 1; done < length; i++) {
            mac.update(t);
            if (info != null) {
                mac.update(info);
            }
            mac.update((byte) i);
            t = mac.doFinal();
            int n = Math.min(t.length, length - done);
            System.arraycopy(t, 0, out, done, n);
            done += n;
        }
        return out;
    }

    /** {@link #expand}({@link #extract}(salt, ikm), info, length). */
    public static byte[] derive(byte[] salt, byte[] ikm, byte[] info, int length) {
        return expand(extract(salt, ikm), info, length);
    }

    private static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JDK", e);
        }
    }

    static IllegalStateException unexpected(GeneralSecurityException e) {
        return new IllegalStateException("unexpected JCA failure: " + e, e);
    }
}
