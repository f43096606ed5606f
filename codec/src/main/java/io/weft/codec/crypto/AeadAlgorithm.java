package io.weft.codec.crypto;

import java.security.GeneralSecurityException;
import java.security.spec.AlgorithmParameterSpec;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** The AEADs {@link AeadCodec} offers, all from the JDK's {@link Cipher}: 96-bit nonces, 128-bit tags. */
public enum AeadAlgorithm {
    /** AES-128 in Galois/Counter Mode (NIST SP 800-38D). */
    AES_128_GCM(1, "AES/GCM/NoPadding", "AES", 16),
    /** AES-256 in Galois/Counter Mode; hardware-accelerated on most servers. The default. */
    AES_256_GCM(2, "AES/GCM/NoPadding", "AES", 32),
    /** ChaCha20-Poly1305 (RFC 8439); fast without AES instructions. */
    CHACHA20_POLY1305(3, "ChaCha20-Poly1305", "ChaCha20", 32);

    /** Nonce length in bytes. */
    public static final int NONCE_LENGTH = 12;
    /** Authentication tag length in bytes. */
    public static final int TAG_LENGTH = 16;

    private final int id;
    private final String transformation;
    private final String keyAlgorithm;
    private final int keyLength;

    AeadAlgorithm(int id, String transformation, String keyAlgorithm, int keyLength) {
        this.id = id;
        this.transformation = transformation;
        this.keyAlgorithm = keyAlgorithm;
        this.keyLength = keyLength;
    }

    /** The key length in bytes. */
    public int keyLength() {
        return keyLength;
    }

    int id() {
        return id;
    }

    static AeadAlgorithm byId(int id) {
        for (AeadAlgorithm a : values()) {
            if (a.id == id) {
                return a;
            }
        }
        return null;
    }

    Cipher newCipher() {
        try {
            return Cipher.getInstance(transformation);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(transformation + " is not available in this JDK: " + e, e);
        }
    }

    SecretKeySpec key(byte[] key) {
        if (key.length != keyLength) {
            throw new IllegalArgumentException(this + " takes a " + keyLength + "-byte key, not " + key.length);
        }
        return new SecretKeySpec(key, keyAlgorithm);
    }

    AlgorithmParameterSpec nonce(byte[] nonce) {
        return this == CHACHA20_POLY1305 ? new IvParameterSpec(nonce) : new GCMParameterSpec(TAG_LENGTH * 8, nonce);
    }

    /**
     * One-shot encryption of {@code plaintext} with {@code aad}: ciphertext followed by the tag. For known-answer
     * tests and small messages; the codec streams through buffers instead.
     */
    public byte[] seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext) {
        try {
            Cipher c = newCipher();
            c.init(Cipher.ENCRYPT_MODE, key(key), nonce(checkNonce(nonce)));
            if (aad != null) {
                c.updateAAD(aad);
            }
            return c.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw Hkdf.unexpected(e);
        }
    }

    /**
     * One-shot decryption of ciphertext-and-tag {@code sealed}.
     *
     * @throws FrameAuthenticationException if the tag does not verify
     */
    public byte[] open(byte[] key, byte[] nonce, byte[] aad, byte[] sealed) {
        try {
            Cipher c = newCipher();
            c.init(Cipher.DECRYPT_MODE, key(key), nonce(checkNonce(nonce)));
            if (aad != null) {
                c.updateAAD(aad);
            }
            return c.doFinal(sealed);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new FrameAuthenticationException("authentication tag mismatch", e);
        } catch (GeneralSecurityException e) {
            throw Hkdf.unexpected(e);
        }
    }

    private static byte[] checkNonce(byte[] nonce) {
        if (nonce.length != NONCE_LENGTH) {
            throw new IllegalArgumentException("nonce must be " + NONCE_LENGTH + " bytes, not " + nonce.length);
        }
        return nonce;
    }
}
