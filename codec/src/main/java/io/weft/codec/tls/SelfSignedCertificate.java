package io.weft.codec.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * A freshly generated self-signed certificate and key, <b>for tests, examples and local development only</b>:
 * nothing trusts it unless told to.
 *
 * <p>Generation runs the JDK's own {@code keytool} ({@code $java.home/bin/keytool}), so it needs no extra
 * library; it blocks for about a second. The result is written to a directory as a PKCS#12 store
 * ({@code <name>.p12}), the certificate as PEM ({@code <name>.crt.pem}) and the unencrypted PKCS#8 key as PEM
 * ({@code <name>.key.pem}). The certificate is valid for 30 days for the names {@code localhost},
 * {@code 127.0.0.1} and {@code ::1} plus the common name given.
 */
public final class SelfSignedCertificate {

    private final Path keyStore;
    private final char[] password;
    private final Path certificatePem;
    private final Path privateKeyPem;
    private final X509Certificate certificate;
    private final PrivateKey privateKey;

    private SelfSignedCertificate(Path keyStore, char[] password, Path certificatePem, Path privateKeyPem,
            X509Certificate certificate, PrivateKey privateKey) {
        this.keyStore = keyStore;
        this.password = password;
        this.certificatePem = certificatePem;
        this.privateKeyPem = privateKeyPem;
        this.certificate = certificate;
        this.privateKey = privateKey;
    }

    /**
     * Generates an EC P-256 key pair and a certificate for {@code commonName} into {@code directory}.
     *
     * @param name file name prefix, for example {@code "server"}
     */
    public static SelfSignedCertificate generate(Path directory, String name, String commonName)
            throws IOException, GeneralSecurityException {
        return generate(directory, name, commonName, "EC");
    }

    /**
     * Generates a key pair of {@code keyAlgorithm} ({@code "EC"}: P-256, {@code "RSA"}: 2048 bits) and a
     * certificate for {@code commonName} into {@code directory}.
     */
    public static SelfSignedCertificate generate(Path directory, String name, String commonName, String keyAlgorithm)
            throws IOException, GeneralSecurityException {
        Files.createDirectories(directory);
        Path store = directory.resolve(name + ".p12");
        Files.deleteIfExists(store);
        char[] password = randomPassword();
        String keytool = Path.of(System.getProperty("java.home"), "bin",
                System.getProperty("os.name", "").startsWith("Windows") ? "keytool.exe" : "keytool").toString();
        boolean ec = "EC".equalsIgnoreCase(keyAlgorithm);
        List<String> command = List.of(keytool, "-genkeypair", "-noprompt",
                "-alias", name,
                "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", new String(password), "-keypass", new String(password),
                "-keyalg", ec ? "EC" : "RSA",
                ec ? "-groupname" : "-keysize", ec ? "secp256r1" : "2048",
                "-sigalg", ec ? "SHA256withECDSA" : "SHA256withRSA",
                "-dname", "CN=" + commonName,
                "-ext", "SAN=dns:" + commonName + (commonName.equals("localhost") ? "" : ",dns:localhost")
                        + ",ip:127.0.0.1,ip:::1",
                "-validity", "30");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output;
        try (InputStream in = process.getInputStream()) {
            output = in.readAllBytes();
        }
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("keytool did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted while waiting for keytool", e);
        }
        if (process.exitValue() != 0) {
            throw new IOException("keytool failed with exit code " + process.exitValue() + ": "
                    + new String(output, StandardCharsets.UTF_8).trim());
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, password);
        }
        PrivateKey key = (PrivateKey) ks.getKey(name, password);
        X509Certificate cert = (X509Certificate) ks.getCertificate(name);
        Path certPem = directory.resolve(name + ".crt.pem");
        Path keyPem = directory.resolve(name + ".key.pem");
        Files.writeString(certPem, TlsContexts.toPem(cert), StandardCharsets.US_ASCII);
        Files.writeString(keyPem, TlsContexts.toPem(key), StandardCharsets.US_ASCII);
        return new SelfSignedCertificate(store, password, certPem, keyPem, cert, key);
    }

    private static char[] randomPassword() {
        SecureRandom random = new SecureRandom();
        char[] chars = new char[20];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = (char) ('a' + random.nextInt(26));
        }
        return chars;
    }

    /** The PKCS#12 store holding key and certificate. */
    public Path keyStore() {
        return keyStore;
    }

    /** The password of {@link #keyStore()} (and of the key in it). */
    public char[] password() {
        return password.clone();
    }

    /** The certificate as a PEM file. */
    public Path certificatePem() {
        return certificatePem;
    }

    /** The unencrypted PKCS#8 private key as a PEM file. */
    public Path privateKeyPem() {
        return privateKeyPem;
    }

    /** The certificate. */
    public X509Certificate certificate() {
        return certificate;
    }

    /** The private key. */
    public PrivateKey privateKey() {
        return privateKey;
    }

    /** A context presenting this certificate, trusting the JDK's default trust store for client certificates. */
    public SSLContext serverContext() throws IOException, GeneralSecurityException {
        return TlsContexts.fromPem(certificatePem, privateKeyPem, null);
    }

    /** A context with no certificate of its own that trusts only this certificate. */
    public SSLContext clientContext() throws IOException, GeneralSecurityException {
        return TlsContexts.forClient(certificatePem);
    }
}
