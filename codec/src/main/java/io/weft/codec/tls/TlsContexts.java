package io.weft.codec.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * Builds {@link SSLContext}s from key and certificate files, with the JDK alone (no Bouncy Castle).
 *
 * <ul>
 *   <li>PEM private keys: {@code PRIVATE KEY} (PKCS#8, RSA, EC, Ed25519/Ed448, RSASSA-PSS, DSA),
 *       {@code RSA PRIVATE KEY} (PKCS#1) and {@code EC PRIVATE KEY} (SEC 1, named curves). Encrypted keys are not
 *       supported: decrypt them first ({@code openssl pkcs8 -topk8 -nocrypt -in key.pem -out plain.pem}).</li>
 *   <li>PEM certificates: one or more {@code CERTIFICATE} blocks, leaf first for a chain.</li>
 *   <li>PKCS#12 key stores ({@code .p12}/{@code .pfx}) with a password.</li>
 * </ul>
 *
 * <p>Every private key loaded with its certificate (PEM pair or PKCS#12 entry) is checked to belong to it, by
 * signing a random nonce with the key and verifying it with the certificate's public key; a mismatch fails at
 * once with a {@link CertificateKeyMismatchException} instead of failing every handshake later.
 *
 * <p>Trust material is a PEM file of trusted certificates; passing {@code null} means the JDK's default trust
 * store ({@code cacerts}). All methods are thread-safe and do blocking file I/O: call them at start-up, not on
 * an event loop.
 */
public final class TlsContexts {

    private static final Pattern PEM_BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)\\s*-----END \\1-----");
    private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA", "XDH"};
    private static final char[] NO_PASSWORD = new char[0];

    private TlsContexts() {
    }

    /**
     * A server (or client-with-certificate) context from PEM files.
     *
     * @param certificateChainPem the certificate chain, leaf first
     * @param privateKeyPem       the unencrypted private key of the leaf certificate
     * @param trustedCertsPem     certificates to trust for the peer (client certificates on a server); {@code null}
     *                            for the JDK's default trust store
     */
    public static SSLContext fromPem(Path certificateChainPem, Path privateKeyPem, Path trustedCertsPem)
            throws IOException, GeneralSecurityException {
        return create(keyManagersFromPem(certificateChainPem, privateKeyPem),
                trustedCertsPem == null ? null : trustManagersFromPem(trustedCertsPem));
    }

    /** A server context from a PEM certificate chain and key, trusting the JDK's default trust store. */
    public static SSLContext forServer(Path certificateChainPem, Path privateKeyPem)
            throws IOException, GeneralSecurityException {
        return fromPem(certificateChainPem, privateKeyPem, null);
    }

    /**
     * A server context from another provider (for example Conscrypt's, whose engine runs BoringSSL) with a PEM
     * certificate chain and key. The key is converted once, here, into the provider's own form when the provider
     * has a {@link KeyFactory} for its algorithm, and handed to the engine as it is ({@link #keyManager}): an engine
     * that keeps keys in native memory then uses it directly, where a key from a key store would be parsed again for
     * every handshake (Conscrypt 2.5: {@code EVP_parse_private_key}, about 3 % of a handshake's CPU).
     *
     * @param provider the provider of the {@link SSLContext} and, if it has one for the key's algorithm, of the key
     */
    public static SSLContext forServer(Path certificateChainPem, Path privateKeyPem, java.security.Provider provider)
            throws IOException, GeneralSecurityException {
        Pair pair = readPair(certificateChainPem, privateKeyPem);
        SSLContext context = SSLContext.getInstance("TLS", provider);
        context.init(new KeyManager[] {keyManager(convertKey(pair.key(), provider),
                pair.chain().toArray(new X509Certificate[0]))}, null, null);
        return context;
    }

    private record Pair(List<X509Certificate> chain, PrivateKey key) {
    }

    /** The chain and key of two PEM files, checked to belong together. */
    private static Pair readPair(Path certificateChainPem, Path privateKeyPem)
            throws IOException, GeneralSecurityException {
        List<X509Certificate> chain = readCertificates(certificateChainPem);
        if (chain.isEmpty()) {
            throw new GeneralSecurityException("no CERTIFICATE block in " + certificateChainPem);
        }
        PrivateKey key = readPrivateKey(privateKeyPem);
        checkKeyMatches(key, chain.get(0), "the private key in " + privateKeyPem,
                "the certificate in " + certificateChainPem);
        return new Pair(chain, key);
    }

    /** {@code key} in {@code provider}'s form, or {@code key} itself if the provider cannot convert it. */
    private static PrivateKey convertKey(PrivateKey key, java.security.Provider provider) {
        try {
            return KeyFactory.getInstance(key.getAlgorithm(), provider)
                    .generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
        } catch (GeneralSecurityException | RuntimeException e) {
            return key;
        }
    }

    /**
     * A key manager presenting exactly this key and chain (leaf first), handing out the same objects on every
     * handshake: no key store in between, which would turn a provider's own key object back into a JDK one. It
     * offers the key for a requested key type of the certificate's key family ({@code "EC"}, {@code "RSA"},
     * {@code "EdDSA"}...; the part before an underscore, as in TLS 1.2's {@code "EC_EC"}), ignoring the list of
     * issuers a peer may send.
     */
    public static javax.net.ssl.X509ExtendedKeyManager keyManager(PrivateKey key, X509Certificate... chain) {
        if (chain.length == 0) {
            throw new IllegalArgumentException("the certificate chain is empty");
        }
        return new SingleKeyManager(key, chain.clone());
    }

    /** A client context without a certificate of its own that trusts the certificates in {@code trustedCertsPem}. */
    public static SSLContext forClient(Path trustedCertsPem) throws IOException, GeneralSecurityException {
        return create(null, trustManagersFromPem(trustedCertsPem));
    }

    /**
     * A context from a PKCS#12 key store holding the key and certificate chain.
     *
     * @param password        the store's password (also used for the key)
     * @param trustedCertsPem certificates to trust for the peer; {@code null} for the JDK's default trust store
     */
    public static SSLContext fromPkcs12(Path keyStore, char[] password, Path trustedCertsPem)
            throws IOException, GeneralSecurityException {
        return create(keyManagersFromPkcs12(keyStore, password),
                trustedCertsPem == null ? null : trustManagersFromPem(trustedCertsPem));
    }

    /**
     * A TLS context from key managers (may be {@code null}: no certificate of our own) and trust managers (may be
     * {@code null}: the JDK's default trust store).
     */
    public static SSLContext create(KeyManager[] keyManagers, TrustManager[] trustManagers)
            throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers, trustManagers, null);
        return context;
    }

    /** Key managers presenting the chain in {@code certificateChainPem} with the key in {@code privateKeyPem}. */
    public static KeyManager[] keyManagersFromPem(Path certificateChainPem, Path privateKeyPem)
            throws IOException, GeneralSecurityException {
        Pair pair = readPair(certificateChainPem, privateKeyPem);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("key", pair.key(), NO_PASSWORD, pair.chain().toArray(new Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, NO_PASSWORD);
        return kmf.getKeyManagers();
    }

    /**
     * Checks that {@code key} is the private half of {@code certificate}'s public key by signing a random nonce
     * with the key and verifying it with the certificate (keys that cannot sign, such as XDH, are not checked).
     *
     * @throws CertificateKeyMismatchException if they do not belong together
     */
    public static void checkKeyMatches(PrivateKey key, X509Certificate certificate)
            throws GeneralSecurityException {
        checkKeyMatches(key, certificate, "the private key", "the certificate");
    }

    private static void checkKeyMatches(PrivateKey key, X509Certificate certificate, String keyName,
            String certificateName) throws GeneralSecurityException {
        java.security.PublicKey publicKey = certificate.getPublicKey();
        String keyAlgorithm = family(key.getAlgorithm());
        String certAlgorithm = family(publicKey.getAlgorithm());
        String subject = certificate.getSubjectX500Principal().getName();
        if (!keyAlgorithm.equals(certAlgorithm)) {
            throw new CertificateKeyMismatchException(keyName + " (" + key.getAlgorithm() + ") does not match "
                    + certificateName + " (subject " + subject + ", " + publicKey.getAlgorithm()
                    + " public key): they are different key types");
        }
        java.security.Signature signer = signatureFor(keyAlgorithm);
        if (signer == null) {
            return;
        }
        byte[] nonce = new byte[32];
        new java.security.SecureRandom().nextBytes(nonce);
        signer.initSign(key);
        signer.update(nonce);
        byte[] signature = signer.sign();
        java.security.Signature verifier = signatureFor(keyAlgorithm);
        verifier.initVerify(publicKey);
        verifier.update(nonce);
        boolean ok;
        try {
            ok = verifier.verify(signature);
        } catch (java.security.SignatureException e) {
            ok = false;
        }
        if (!ok) {
            throw new CertificateKeyMismatchException(keyName + " does not match " + certificateName + " (subject "
                    + subject + "): a signature made with the key does not verify with the certificate's "
                    + publicKey.getAlgorithm() + " public key; check that the key and certificate files belong"
                    + " together (compare `openssl x509 -noout -pubkey -in cert.pem` with"
                    + " `openssl pkey -pubout -in key.pem`)");
        }
    }

    private static String family(String algorithm) {
        return switch (algorithm) {
            case "Ed25519", "Ed448", "EdDSA" -> "EdDSA";
            case "X25519", "X448", "XDH" -> "XDH";
            default -> algorithm;
        };
    }

    private static java.security.Signature signatureFor(String family) throws GeneralSecurityException {
        switch (family) {
            case "RSA":
                return java.security.Signature.getInstance("SHA256withRSA");
            case "EC":
                return java.security.Signature.getInstance("SHA256withECDSA");
            case "EdDSA":
                return java.security.Signature.getInstance("EdDSA");
            case "DSA":
                return java.security.Signature.getInstance("SHA256withDSA");
            case "RSASSA-PSS": {
                java.security.Signature s = java.security.Signature.getInstance("RSASSA-PSS");
                s.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
                return s;
            }
            default:
                return null;
        }
    }

    /** Key managers from a PKCS#12 key store. */
    public static KeyManager[] keyManagersFromPkcs12(Path keyStore, char[] password)
            throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            store.load(in, password);
        }
        for (String alias : java.util.Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias) && store.getKey(alias, password) instanceof PrivateKey key
                    && store.getCertificate(alias) instanceof X509Certificate leaf) {
                checkKeyMatches(key, leaf, "the private key '" + alias + "' in " + keyStore,
                        "its certificate");
            }
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, password);
        return kmf.getKeyManagers();
    }

    /** Trust managers trusting exactly the certificates in {@code trustedCertsPem}. */
    public static TrustManager[] trustManagersFromPem(Path trustedCertsPem)
            throws IOException, GeneralSecurityException {
        List<X509Certificate> certificates = readCertificates(trustedCertsPem);
        if (certificates.isEmpty()) {
            throw new GeneralSecurityException("no CERTIFICATE block in " + trustedCertsPem);
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (int i = 0; i < certificates.size(); i++) {
            store.setCertificateEntry("trusted-" + i, certificates.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return tmf.getTrustManagers();
    }

    /** The X.509 certificates in a PEM file, in file order. */
    public static List<X509Certificate> readCertificates(Path pem) throws IOException, GeneralSecurityException {
        byte[] bytes = Files.readAllBytes(pem);
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        List<X509Certificate> result = new ArrayList<>();
        for (Certificate c : factory.generateCertificates(new ByteArrayInputStream(bytes))) {
            result.add((X509Certificate) c);
        }
        return result;
    }

    /** The first private key in a PEM file; see the class comment for the formats understood. */
    public static PrivateKey readPrivateKey(Path pem) throws IOException, GeneralSecurityException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        Matcher m = PEM_BLOCK.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            if (!type.endsWith("PRIVATE KEY")) {
                continue;
            }
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            return switch (type) {
                case "PRIVATE KEY" -> pkcs8(der, pem);
                case "RSA PRIVATE KEY" -> pkcs8(Der.rsaPkcs1ToPkcs8(der), pem);
                case "EC PRIVATE KEY" -> pkcs8(Der.ecSec1ToPkcs8(der), pem);
                case "ENCRYPTED PRIVATE KEY" -> throw new GeneralSecurityException(pem + " holds an encrypted key;"
                        + " decrypt it first: openssl pkcs8 -topk8 -nocrypt -in key.pem -out plain-key.pem");
                default -> throw new GeneralSecurityException("unsupported key type '" + type + "' in " + pem);
            };
        }
        throw new GeneralSecurityException("no PRIVATE KEY block in " + pem);
    }

    /** Encodes {@code certificate} as a PEM {@code CERTIFICATE} block. */
    public static String toPem(X509Certificate certificate) throws GeneralSecurityException {
        return pem("CERTIFICATE", certificate.getEncoded());
    }

    /** Encodes {@code key} as a PEM {@code PRIVATE KEY} (PKCS#8) block. */
    public static String toPem(PrivateKey key) {
        if (!"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("key format " + key.getFormat() + " is not PKCS#8");
        }
        return pem("PRIVATE KEY", key.getEncoded());
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    private static PrivateKey pkcs8(byte[] der, Path source) throws GeneralSecurityException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
                // Try the next algorithm.
            }
        }
        throw new InvalidKeySpecException("the key in " + source + " is not an RSA, EC, EdDSA, RSASSA-PSS, DSA or"
                + " XDH PKCS#8 key the JDK understands");
    }

    /** See {@link #keyManager}. */
    private static final class SingleKeyManager extends javax.net.ssl.X509ExtendedKeyManager {
        private static final String ALIAS = "key";
        private final PrivateKey key;
        private final X509Certificate[] chain;
        private final String family;

        SingleKeyManager(PrivateKey key, X509Certificate[] chain) {
            this.key = key;
            this.chain = chain;
            this.family = family(chain[0].getPublicKey().getAlgorithm());
        }

        private boolean serves(String keyType) {
            if (keyType == null) {
                return false;
            }
            int sep = keyType.indexOf('_');
            String requested = family(sep < 0 ? keyType : keyType.substring(0, sep));
            return requested.equals(family);
        }

        private String alias(String[] keyTypes) {
            if (keyTypes != null) {
                for (String t : keyTypes) {
                    if (serves(t)) {
                        return ALIAS;
                    }
                }
            }
            return null;
        }

        @Override
        public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
            return serves(keyType) ? new String[] {ALIAS} : null;
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, java.security.Principal[] issuers,
                java.net.Socket socket) {
            return alias(keyTypes);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, java.security.Principal[] issuers,
                javax.net.ssl.SSLEngine engine) {
            return alias(keyTypes);
        }

        @Override
        public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
            return serves(keyType) ? new String[] {ALIAS} : null;
        }

        @Override
        public String chooseServerAlias(String keyType, java.security.Principal[] issuers, java.net.Socket socket) {
            return serves(keyType) ? ALIAS : null;
        }

        @Override
        public String chooseEngineServerAlias(String keyType, java.security.Principal[] issuers,
                javax.net.ssl.SSLEngine engine) {
            return serves(keyType) ? ALIAS : null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? chain.clone() : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? key : null;
        }
    }

    /** Just enough DER to wrap PKCS#1 and SEC 1 keys into PKCS#8. */
    static final class Der {
        private static final byte[] RSA_ALGORITHM = {
            0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00
        };
        private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
        private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};

        private Der() {
        }

        static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
            return tlv(0x30, concat(VERSION_0, RSA_ALGORITHM, tlv(0x04, pkcs1)));
        }

        static byte[] ecSec1ToPkcs8(byte[] sec1) throws GeneralSecurityException {
            // ECPrivateKey ::= SEQUENCE { version, privateKey OCTET STRING, [0] parameters (a named curve), [1] key }
            int[] outer = header(sec1, 0, 0x30);
            int pos = outer[0];
            int end = outer[0] + outer[1];
            byte[] curve = null;
            while (pos < end) {
                int tag = sec1[pos] & 0xff;
                int[] h = header(sec1, pos, tag);
                if (tag == 0xa0) {
                    int[] oid = header(sec1, h[0], 0x06);
                    curve = java.util.Arrays.copyOfRange(sec1, h[0], oid[0] + oid[1]);
                }
                pos = h[0] + h[1];
            }
            if (curve == null) {
                throw new GeneralSecurityException("EC PRIVATE KEY without a named curve; convert it with"
                        + " openssl pkcs8 -topk8 -nocrypt");
            }
            return tlv(0x30, concat(VERSION_0, tlv(0x30, concat(EC_PUBLIC_KEY_OID, curve)), tlv(0x04, sec1)));
        }

        /** Returns {contentStart, contentLength} of the element at {@code pos}, which must have {@code tag}. */
        private static int[] header(byte[] der, int pos, int tag) throws GeneralSecurityException {
            if (pos + 2 > der.length || (der[pos] & 0xff) != tag) {
                throw new GeneralSecurityException("malformed DER: expected tag 0x" + Integer.toHexString(tag)
                        + " at offset " + pos);
            }
            int first = der[pos + 1] & 0xff;
            int p = pos + 2;
            int length;
            if (first < 0x80) {
                length = first;
            } else {
                int n = first & 0x7f;
                if (n < 1 || n > 3 || p + n > der.length) {
                    throw new GeneralSecurityException("malformed DER length at offset " + pos);
                }
                length = 0;
                for (int i = 0; i < n; i++) {
                    length = (length << 8) | (der[p++] & 0xff);
                }
            }
            if (p + length > der.length) {
                throw new GeneralSecurityException("malformed DER: length " + length + " at offset " + pos
                        + " runs past the end (" + der.length + " bytes)");
            }
            return new int[] {p, length};
        }

        static byte[] tlv(int tag, byte[] content) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
            out.write(tag);
            int n = content.length;
            if (n < 0x80) {
                out.write(n);
            } else if (n < 0x100) {
                out.write(0x81);
                out.write(n);
            } else if (n < 0x10000) {
                out.write(0x82);
                out.write(n >> 8);
                out.write(n);
            } else {
                out.write(0x83);
                out.write(n >> 16);
                out.write(n >> 8);
                out.write(n);
            }
            out.writeBytes(content);
            return out.toByteArray();
        }

        private static byte[] concat(byte[]... parts) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte[] p : parts) {
                out.writeBytes(p);
            }
            return out.toByteArray();
        }
    }
}
