package io.weft.benchmarks.tls;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Locale;

/** What the Weft and Netty HTTPS servers of the TLS comparison serve, and the one TLS configuration they both use. */
public final class HttpsRoutes {

    /** TLS 1.3 only. */
    public static final String PROTOCOL = "TLSv1.3";
    /** The one cipher suite both sides offer. */
    public static final String CIPHER = "TLS_AES_128_GCM_SHA256";
    /** Size of the {@code /bulk} body: 1 MiB, so the bulk cell measures record encryption, not request handling. */
    public static final int BULK_BYTES = 1 << 20;

    static final byte[] PLAINTEXT = "Hello, World!".getBytes(StandardCharsets.US_ASCII);
    static final byte[] BULK = new byte[BULK_BYTES];

    static {
        Arrays.fill(BULK, (byte) 'x');
    }

    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH);
    private static volatile long second = -1;
    private static volatile String date = "";

    private HttpsRoutes() {
    }

    /** The {@code Date} value, recomputed at most once per second. */
    public static String date() {
        long s = System.currentTimeMillis() / 1000;
        if (s != second) {
            date = FORMAT.format(ZonedDateTime.ofInstant(Instant.ofEpochSecond(s), ZoneOffset.UTC));
            second = s;
        }
        return date;
    }

    private static final java.util.Set<String> NEGOTIATED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Prints each protocol and suite the first time a handshake negotiates it: https-wrk.sh reads them back, so the
     * table says what the load generator really used (BoringSSL's TLS 1.3 suites cannot be narrowed on the server;
     * the client's configuration decides there).
     */
    public static void logHandshake(String protocol, String cipherSuite) {
        if (NEGOTIATED.add(protocol + " " + cipherSuite)) {
            System.err.println("negotiated " + protocol + " " + cipherSuite);
        }
    }

    /** The bulk body (shared, read-only). */
    public static byte[] bulk() {
        return BULK;
    }
}
