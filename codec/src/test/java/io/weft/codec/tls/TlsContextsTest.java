package io.weft.codec.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsContextsTest {

    @TempDir
    Path dir;

    @Test
    void readsTheKeytoolGeneratedPemPairAndPkcs12() throws Exception {
        SelfSignedCertificate cert = TlsTestSupport.server();
        PrivateKey key = TlsContexts.readPrivateKey(cert.privateKeyPem());
        List<X509Certificate> chain = TlsContexts.readCertificates(cert.certificatePem());
        assertEquals(1, chain.size());
        assertEquals("CN=localhost", chain.get(0).getSubjectX500Principal().getName());
        assertEquals("EC", key.getAlgorithm());
        assertPairMatches(key, chain.get(0).getPublicKey());
        // Both loaders produce working contexts.
        TlsContexts.forServer(cert.certificatePem(), cert.privateKeyPem()).createSSLEngine();
        TlsContexts.fromPkcs12(cert.keyStore(), cert.password(), cert.certificatePem()).createSSLEngine();
    }

    private static void assertPairMatches(PrivateKey key, PublicKey publicKey) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> throw new IllegalArgumentException(key.getAlgorithm());
        };
        byte[] data = "weft".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(data);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(publicKey);
        verifier.update(data);
        assertTrue(verifier.verify(signature), "the key belongs to the certificate");
    }

    /** Keys in the formats openssl writes by default: PKCS#1 RSA, SEC 1 EC and PKCS#8. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "rsa-pkcs1, RSA PRIVATE KEY",
        "ec-sec1, EC PRIVATE KEY",
        "rsa-pkcs8, PRIVATE KEY",
    })
    void readsOpensslKeyFormats(String kind, String pemType) throws Exception {
        Assumptions.assumeTrue(opensslAvailable(), "openssl is not on the PATH");
        Path key = dir.resolve(kind + ".key.pem");
        Path cert = dir.resolve(kind + ".crt.pem");
        switch (kind) {
            case "rsa-pkcs1" -> openssl("genrsa", "-traditional", "-out", key.toString(), "2048");
            case "ec-sec1" -> openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key.toString());
            default -> openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                    "-out", key.toString());
        }
        assertTrue(Files.readString(key).contains("-----BEGIN " + pemType + "-----"), Files.readString(key));
        openssl("req", "-x509", "-new", "-key", key.toString(), "-subj", "/CN=localhost", "-days", "2",
                "-out", cert.toString());
        PrivateKey parsed = TlsContexts.readPrivateKey(key);
        X509Certificate certificate = TlsContexts.readCertificates(cert).get(0);
        assertPairMatches(parsed, certificate.getPublicKey());
        TlsContexts.fromPem(cert, key, cert).createSSLEngine();
    }

    @Test
    void explainsUnsupportedOrMissingKeys() throws Exception {
        Path encrypted = dir.resolve("enc.pem");
        Files.writeString(encrypted, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        GeneralSecurityException e = assertThrows(GeneralSecurityException.class,
                () -> TlsContexts.readPrivateKey(encrypted));
        assertTrue(e.getMessage().contains("encrypted"), e.getMessage());

        Path certOnly = TlsTestSupport.server().certificatePem();
        e = assertThrows(GeneralSecurityException.class, () -> TlsContexts.readPrivateKey(certOnly));
        assertTrue(e.getMessage().contains("no PRIVATE KEY"), e.getMessage());

        Path empty = dir.resolve("empty.pem");
        Files.writeString(empty, "nothing here\n");
        assertThrows(GeneralSecurityException.class, () -> TlsContexts.trustManagersFromPem(empty));
    }

    @Test
    void rejectsAKeyThatDoesNotBelongToTheCertificate() throws Exception {
        // Same key type (EC P-256), different key pairs: only a signature check can tell.
        Path cert = TlsTestSupport.server().certificatePem();
        Path otherKey = TlsTestSupport.untrusted().privateKeyPem();
        CertificateKeyMismatchException e = assertThrows(CertificateKeyMismatchException.class,
                () -> TlsContexts.forServer(cert, otherKey));
        assertTrue(e.getMessage().contains(otherKey.toString()) && e.getMessage().contains(cert.toString())
                && e.getMessage().contains("CN=localhost"), e.getMessage());
        assertThrows(CertificateKeyMismatchException.class, () -> TlsContexts.fromPem(cert, otherKey, cert));
        assertThrows(CertificateKeyMismatchException.class, () -> TlsContexts.keyManagersFromPem(cert, otherKey));
        // The matching pair still loads.
        TlsContexts.forServer(cert, TlsTestSupport.server().privateKeyPem()).createSSLEngine();
    }

    @Test
    void rejectsAKeyOfAnotherTypeThanTheCertificate() throws Exception {
        Path rsaKey = dir.resolve("rsa.key.pem");
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        Files.writeString(rsaKey, TlsContexts.toPem(generator.generateKeyPair().getPrivate()));
        Path cert = TlsTestSupport.server().certificatePem();
        CertificateKeyMismatchException e = assertThrows(CertificateKeyMismatchException.class,
                () -> TlsContexts.forServer(cert, rsaKey));
        assertTrue(e.getMessage().contains("different key types"), e.getMessage());
    }

    @Test
    void rejectsAPkcs12StoreWhoseKeyDoesNotMatchItsCertificate() throws Exception {
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        store.load(null, null);
        char[] password = "secret".toCharArray();
        store.setKeyEntry("server", TlsTestSupport.untrusted().privateKey(), password,
                new java.security.cert.Certificate[] {TlsTestSupport.server().certificate()});
        Path p12 = dir.resolve("mismatch.p12");
        try (var out = Files.newOutputStream(p12)) {
            store.store(out, password);
        }
        CertificateKeyMismatchException e = assertThrows(CertificateKeyMismatchException.class,
                () -> TlsContexts.fromPkcs12(p12, password, null));
        assertTrue(e.getMessage().contains("'server'"), e.getMessage());
        // The generated store, whose key matches, loads.
        SelfSignedCertificate good = TlsTestSupport.server();
        TlsContexts.fromPkcs12(good.keyStore(), good.password(), null).createSSLEngine();
    }

    @Test
    void derLengthEncodingRoundTripsLongContent() throws Exception {
        byte[] content = new byte[70_000];
        byte[] tlv = TlsContexts.Der.tlv(0x04, content);
        assertEquals(0x83, tlv[1] & 0xff);
        assertEquals(70_000 + 5, tlv.length);
        assertEquals(2 + 127, TlsContexts.Der.tlv(0x04, new byte[127]).length);
        assertEquals(3 + 128, TlsContexts.Der.tlv(0x04, new byte[128]).length);
    }

    private void openssl(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "openssl";
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "openssl finished");
        assertEquals(0, p.exitValue(), () -> "openssl " + String.join(" ", args) + ": " + readLog());
    }

    private String readLog() {
        try {
            return Files.readString(dir.resolve("openssl.log"));
        } catch (Exception e) {
            return e.toString();
        }
    }

    static boolean opensslAvailable() {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, "openssl"))) {
                return true;
            }
        }
        return false;
    }
}
