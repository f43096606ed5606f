package io.weft.codec.http.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Server;
import io.weft.codec.http.HttpServerCodec;
import io.weft.loop.EventLoopGroup;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** HTTP Basic authentication (RFC 7617) and the bearer hook (RFC 6750) over real connections. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BasicAuthTest {

    private static final String CHALLENGE = "Basic realm=\"ops \\\"zone\\\"\", charset=\"UTF-8\"";
    private static EventLoopGroup group;
    private Server server;
    private BasicAuth auth;

    @BeforeAll
    static void startGroup() {
        group = new EventLoopGroup(1);
    }

    @AfterAll
    static void stopGroup() {
        group.close();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private int start(BasicAuth policy) {
        auth = policy;
        server = Server.builder().group(group)
                .childHandler(ch -> ch.pipeline()
                        .addLast("http", new HttpServerCodec())
                        .addLast("auth", policy.newHandler())
                        .addLast("hello", new HelloHandler()))
                .bind("127.0.0.1", 0);
        return server.port();
    }

    private int startBasic() {
        return start(BasicAuth.builder("ops \"zone\"")
                .credentials(CredentialVerifier.of("admin", "s3cret"))
                .exemptPath("/metrics")
                .exemptPrefix("/public/")
                .build());
    }

    private static String basic(String userColonPassword) {
        return "authorization: Basic "
                + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertChallenged(SimpleHttp.Response r) {
        assertEquals(401, r.status(), r.toString());
        assertEquals(CHALLENGE, r.headers().get("www-authenticate"));
        assertFalse(r.body().startsWith("hello"), "the application never saw it");
    }

    @Test
    void rightCredentialsPass() throws Exception {
        int port = startBasic();
        SimpleHttp.Response r = SimpleHttp.get(port, "/x", basic("admin:s3cret"));
        assertEquals(200, r.status());
        assertEquals("hello /x", r.body());
        r = SimpleHttp.get(port, "/x", "Authorization: bAsIc   " + Base64.getEncoder()
                .encodeToString("admin:s3cret".getBytes(StandardCharsets.UTF_8)));
        assertEquals(200, r.status(), "scheme is case-insensitive, spaces before the credentials allowed");
        assertEquals(2, auth.authenticated());
    }

    @Test
    void missingOrWrongCredentialsGet401() throws Exception {
        int port = startBasic();
        assertChallenged(SimpleHttp.get(port, "/x"));
        assertChallenged(SimpleHttp.get(port, "/x", basic("admin:s3cre")));
        assertChallenged(SimpleHttp.get(port, "/x", basic("admin:s3cret2")));
        assertChallenged(SimpleHttp.get(port, "/x", basic("Admin:s3cret")));
        assertChallenged(SimpleHttp.get(port, "/x", basic(":")));
        assertEquals(5, auth.rejected());
        assertEquals(0, auth.authenticated());
    }

    @Test
    void malformedHeadersGet401NotAServerError() throws Exception {
        int port = startBasic();
        String[] bad = {
            "authorization: Basic",
            "authorization: Basic !!!!",
            "authorization: Basic YWRtaW4",                            // "admin": no colon
            "authorization: Basic " + Base64.getEncoder().encodeToString(new byte[] {(byte) 0xC3, ':', 'x'}),
            "authorization: Basic " + Base64.getEncoder().encodeToString("ad\u0001min:s3cret".getBytes()),
            "authorization: Basic YWRtaW46czNjcmV0 extra",
            "authorization: Digest username=\"admin\"",
            "authorization: Bearer abc",                               // no bearer verifier configured
            "authorization: " + "Basic YWRtaW46czNjcmV0\r\nauthorization: Basic YWRtaW46czNjcmV0",
        };
        for (String header : bad) {
            assertChallenged(SimpleHttp.get(port, "/x", header));
        }
        assertEquals(bad.length, auth.malformed());
    }

    @Test
    void exemptPathsPassWithoutCredentialsButNotThroughDotSegments() throws Exception {
        int port = startBasic();
        assertEquals(200, SimpleHttp.get(port, "/metrics").status());
        assertEquals(200, SimpleHttp.get(port, "/metrics?x=1").status());
        assertEquals(200, SimpleHttp.get(port, "/public/a.css").status());
        assertChallenged(SimpleHttp.get(port, "/metrics/"));
        assertChallenged(SimpleHttp.get(port, "/public/../admin"));
        assertChallenged(SimpleHttp.get(port, "/public/%2e%2e/admin"));
    }

    @Test
    void keepsTheConnectionUsableAfterA401WithABody() throws Exception {
        int port = startBasic();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(("POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello"
                    + "GET /x HTTP/1.1\r\nhost: x\r\n" + basic("admin:s3cret") + "\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            SimpleHttp.Response first = SimpleHttp.readOne(in);
            assertEquals(401, first.status());
            SimpleHttp.Response second = SimpleHttp.readOne(in);
            assertEquals(200, second.status());
            assertEquals("hello /x", second.body());
        }
    }

    @Test
    void acceptsUtf8Credentials() throws Exception {
        int port = start(BasicAuth.builder("r").credentials(CredentialVerifier.of("jürgen", "pässwörd")).build());
        assertEquals(200, SimpleHttp.get(port, "/", basic("jürgen:pässwörd")).status());
        assertEquals(401, SimpleHttp.get(port, "/", basic("jurgen:pässwörd")).status());
    }

    @Test
    void bearerTokensUseTheHookWithRfc6750Errors() throws Exception {
        byte[] good = MessageDigest.getInstance("SHA-256").digest("tok.en-1".getBytes(StandardCharsets.US_ASCII));
        int port = start(BasicAuth.builder("api")
                .credentials(CredentialVerifier.of("admin", "s3cret"))
                .bearer(token -> MessageDigest.isEqual(good, StaticCredentials.sha256(
                        token.getBytes(StandardCharsets.US_ASCII))))
                .build());
        assertEquals(200, SimpleHttp.get(port, "/x", "authorization: Bearer tok.en-1").status());
        assertEquals(200, SimpleHttp.get(port, "/x", basic("admin:s3cret")).status());

        SimpleHttp.Response missing = SimpleHttp.get(port, "/x");
        assertEquals(401, missing.status());
        assertEquals("Basic realm=\"api\", charset=\"UTF-8\"\nBearer realm=\"api\"",
                missing.headers().get("www-authenticate"));

        SimpleHttp.Response wrong = SimpleHttp.get(port, "/x", "authorization: Bearer tok.en-2");
        assertEquals(401, wrong.status());
        assertTrue(wrong.headers().get("www-authenticate").contains("Bearer realm=\"api\", error=\"invalid_token\""));

        SimpleHttp.Response bad = SimpleHttp.get(port, "/x", "authorization: Bearer a,b");
        assertEquals(400, bad.status());
        assertTrue(bad.headers().get("www-authenticate").contains("error=\"invalid_request\""));
    }

    /**
     * Structural, not timing-based: whatever prefix of the secret a guess gets right, and whatever its length, the
     * check makes exactly the same calls: two comparisons of fixed-length (32-byte) digests, both always made, with
     * the JDK's constant-time {@link MessageDigest#isEqual} in production.
     */
    @Test
    void comparesFixedLengthDigestsWithTheConstantTimeFunctionWhateverThePrefix() {
        assertSame(StaticCredentials.CONSTANT_TIME,
                ((StaticCredentials) CredentialVerifier.of("admin", "s3cret")).equality());
        byte[] a = {1, 2, 3};
        assertTrue(StaticCredentials.CONSTANT_TIME.test(a, a.clone()));
        assertFalse(StaticCredentials.CONSTANT_TIME.test(a, new byte[] {1, 2, 4}));

        List<int[]> calls = new ArrayList<>();
        StaticCredentials creds = new StaticCredentials("admin", "s3cret-password", (x, y) -> {
            calls.add(new int[] {x.length, y.length});
            return MessageDigest.isEqual(x, y);
        });
        String secret = "s3cret-password";
        List<String> guesses = new ArrayList<>();
        for (int i = 0; i <= secret.length(); i++) {
            guesses.add(secret.substring(0, i));                 // right prefix of every length
            guesses.add(secret.substring(0, i) + "#" + "x".repeat(40)); // right prefix, then wrong, longer
        }
        for (String guess : guesses) {
            for (String user : new String[] {"admin", "a", "nobody-at-all"}) {
                calls.clear();
                boolean ok = creds.verify(user, guess.getBytes(StandardCharsets.UTF_8));
                assertEquals(user.equals("admin") && guess.equals(secret), ok, user + ":" + guess);
                assertEquals(2, calls.size(), "both digests compared for " + user + ":" + guess);
                for (int[] c : calls) {
                    assertEquals(32, c[0]);
                    assertEquals(32, c[1]);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> CredentialVerifier.of("a:b", "c"));
    }
}
