package io.weft.codec.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Known-answer tests: HKDF-SHA256 (RFC 5869 appendix A), ChaCha20-Poly1305 (RFC 8439) and AES-GCM (GCM spec). */
class CryptoKnownAnswerTest {

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static byte[] range(int from, int toExclusive) {
        byte[] b = new byte[toExclusive - from];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    @Test
    void hkdfRfc5869TestCase1() {
        byte[] ikm = hex("0b".repeat(22));
        byte[] salt = range(0x00, 0x0d);
        byte[] info = range(0xf0, 0xfa);
        byte[] prk = Hkdf.extract(salt, ikm);
        assertArrayEquals(hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"), prk);
        assertArrayEquals(hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                + "34007208d5b887185865"), Hkdf.expand(prk, info, 42));
    }

    @Test
    void hkdfRfc5869TestCase2LongInputs() {
        byte[] prk = Hkdf.extract(range(0x60, 0xb0), range(0x00, 0x50));
        assertArrayEquals(hex("06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244"), prk);
        assertArrayEquals(hex("b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
                + "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
                + "cc30c58179ec3e87c14c01d5c1f3434f1d87"), Hkdf.expand(prk, range(0xb0, 0x100), 82));
    }

    @Test
    void hkdfRfc5869TestCase3EmptySaltAndInfo() {
        byte[] ikm = hex("0b".repeat(22));
        byte[] prk = Hkdf.extract(new byte[0], ikm);
        assertArrayEquals(hex("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04"), prk);
        assertArrayEquals(hex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
                + "9d201395faa4b61a96c8"), Hkdf.derive(null, ikm, new byte[0], 42));
    }

    @Test
    void hkdfRejectsImpossibleLengths() {
        byte[] prk = new byte[32];
        assertThrows(IllegalArgumentException.class, () -> Hkdf.expand(prk, null, 255 * 32 + 1));
        assertThrows(IllegalArgumentException.class, () -> Hkdf.expand(prk, null, -1));
        assertThrows(IllegalArgumentException.class, () -> Hkdf.expand(new byte[16], null, 16));
        assertArrayEquals(new byte[0], Hkdf.expand(prk, null, 0));
    }

    @Test
    void chacha20Poly1305Rfc8439Section282() {
        byte[] key = range(0x80, 0xa0);
        byte[] nonce = hex("07000000 4041424344454647");
        byte[] aad = hex("50515253c0c1c2c3c4c5c6c7");
        byte[] plaintext = ("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
                + "future, sunscreen would be it.").getBytes(StandardCharsets.US_ASCII);
        byte[] expected = hex("d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
                + "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
                + "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
                + "3ff4def08e4b7a9de576d26586cec64b6116"
                + "1ae10b594f09e26a7e902ecbd0600691");
        AeadAlgorithm aead = AeadAlgorithm.CHACHA20_POLY1305;
        assertArrayEquals(expected, aead.seal(key, nonce, aad, plaintext));
        assertArrayEquals(plaintext, aead.open(key, nonce, aad, expected));
        expected[7] ^= 1;
        assertThrows(FrameAuthenticationException.class, () -> aead.open(key, nonce, aad, expected));
    }

    private static final byte[] GCM_IV = hex("cafebabefacedbaddecaf888");
    private static final byte[] GCM_AAD = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    private static final byte[] GCM_PLAINTEXT = hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
            + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");

    @Test
    void aes128GcmTestCase4() {
        byte[] key = hex("feffe9928665731c6d6a8f9467308308");
        byte[] expected = hex("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
                + "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
                + "5bc94fbc3221a5db94fae95ae7121a47");
        assertArrayEquals(expected, AeadAlgorithm.AES_128_GCM.seal(key, GCM_IV, GCM_AAD, GCM_PLAINTEXT));
        assertArrayEquals(GCM_PLAINTEXT, AeadAlgorithm.AES_128_GCM.open(key, GCM_IV, GCM_AAD, expected));
    }

    @Test
    void aes256GcmTestCase16() {
        byte[] key = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
        byte[] expected = hex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
                + "76fc6ece0f4e1768cddf8853bb2d551b");
        assertArrayEquals(expected, AeadAlgorithm.AES_256_GCM.seal(key, GCM_IV, GCM_AAD, GCM_PLAINTEXT));
        assertArrayEquals(GCM_PLAINTEXT, AeadAlgorithm.AES_256_GCM.open(key, GCM_IV, GCM_AAD, expected));
        byte[] otherAad = GCM_AAD.clone();
        otherAad[0] ^= 0x80;
        assertThrows(FrameAuthenticationException.class,
                () -> AeadAlgorithm.AES_256_GCM.open(key, GCM_IV, otherAad, expected));
    }
}
