package io.weft.codec.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Server;
import io.weft.codec.tls.SelfSignedCertificate;
import io.weft.codec.tls.TlsHandler;
import io.weft.loop.EventLoopGroup;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StaticFileHandler} over real sockets, asked by the JDK {@link HttpClient}, by curl (when it is on the
 * PATH) and by raw bytes for what clients normalise away ({@code ..}, encoded slashes, NUL).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StaticFileHandlerTest {

    @TempDir
    static Path base;

    private static Path root;
    private static EventLoopGroup group;
    private static Server server;
    private static Server tlsServer;
    private static HttpClient client;
    private static HttpClient tlsClient;
    private static byte[] big;
    private static final byte[] HELLO = "hello, static world\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] INDEX = "<html><body>index</body></html>\n".getBytes(StandardCharsets.UTF_8);
    private static final Instant MODIFIED = Instant.parse("2024-03-04T05:06:07Z");

    @BeforeAll
    static void start() throws Exception {
        root = Files.createDirectory(base.resolve("www"));
        Files.write(root.resolve("hello.txt"), HELLO);
        Files.setLastModifiedTime(root.resolve("hello.txt"), FileTime.from(MODIFIED));
        Files.write(root.resolve("index.html"), INDEX);
        Files.createDirectory(root.resolve("sub"));
        Files.write(root.resolve("sub").resolve("index.html"), INDEX);
        Files.createDirectory(root.resolve("empty"));
        Files.write(root.resolve(".env"), "SECRET=1\n".getBytes(StandardCharsets.US_ASCII));
        Files.write(root.resolve("empty.bin"), new byte[0]);
        Files.write(base.resolve("secret.txt"), "outside the root\n".getBytes(StandardCharsets.US_ASCII));
        big = new byte[8 * 1024 * 1024 + 777];
        new Random(1).nextBytes(big);
        Files.write(root.resolve("big.bin"), big);
        try {
            Files.createSymbolicLink(root.resolve("escape.txt"), base.resolve("secret.txt"));
            Files.createSymbolicLink(root.resolve("escape-dir"), base);
            Files.createSymbolicLink(root.resolve("inside.txt"), root.resolve("hello.txt"));
        } catch (UnsupportedOperationException | FileSystemException e) {
            // No symbolic links on this file system: the link tests are skipped.
        }

        group = new EventLoopGroup(2);
        StaticFileHandler.Builder files = StaticFileHandler.builder(root).maxAge(Duration.ZERO);
        server = Server.builder().group(group).childHandler(ch -> ch.pipeline()
                .addLast("http", new HttpServerCodec()).addLast("files", files.build())).bind("127.0.0.1", 0);

        SelfSignedCertificate cert = SelfSignedCertificate.generate(base, "static", "localhost");
        SSLContext serverContext = cert.serverContext();
        TlsHandler.Builder tls = TlsHandler.server(serverContext);
        tlsServer = Server.builder().group(group).childHandler(ch -> ch.pipeline().addLast("tls", tls.build())
                .addLast("http", new HttpServerCodec()).addLast("files", files.build())).bind("127.0.0.1", 0);

        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        tlsClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(cert.clientContext())
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (tlsServer != null) {
            tlsServer.close();
        }
        if (group != null) {
            group.close();
        }
    }

    private static HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        return send("GET", path, headers);
    }

    private static HttpResponse<byte[]> send(String method, String path, String... headers) throws Exception {
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + path)).timeout(Duration.ofSeconds(30))
                .method(method, java.net.http.HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    private static String etagOf(String path) throws Exception {
        String etag = header(get(path), "etag");
        assertNotNull(etag);
        return etag;
    }

    // ------------------------------------------------------------------ 200, HEAD, types, validators

    @Test
    void servesAFileWithValidatorsTypeAndCacheHeaders() throws Exception {
        HttpResponse<byte[]> r = get("/hello.txt");
        assertEquals(200, r.statusCode());
        assertArrayEquals(HELLO, r.body());
        assertEquals("text/plain; charset=utf-8", header(r, "content-type"));
        assertEquals(Integer.toString(HELLO.length), header(r, "content-length"));
        assertTrue(header(r, "etag").matches("\"[0-9a-f]+-[0-9a-f]+\""), header(r, "etag"));
        assertEquals("Mon, 04 Mar 2024 05:06:07 GMT", header(r, "last-modified"));
        assertEquals("bytes", header(r, "accept-ranges"));
        assertEquals("no-cache", header(r, "cache-control"));
        assertNotNull(header(r, "date"));
        assertEquals("application/octet-stream", header(get("/big.bin", "Range", "bytes=0-0"), "content-type"));
    }

    @Test
    void headAnswersTheSameHeadersWithoutABody() throws Exception {
        HttpResponse<byte[]> head = send("HEAD", "/hello.txt");
        assertEquals(200, head.statusCode());
        assertEquals(0, head.body().length);
        assertEquals(Integer.toString(HELLO.length), header(head, "content-length"));
        assertEquals(etagOf("/hello.txt"), header(head, "etag"));
    }

    @Test
    void directoriesServeTheirIndexAndRedirectWithoutATrailingSlash() throws Exception {
        HttpResponse<byte[]> index = get("/");
        assertEquals(200, index.statusCode());
        assertArrayEquals(INDEX, index.body());
        assertEquals("text/html; charset=utf-8", header(index, "content-type"));
        HttpResponse<byte[]> redirect = get("/sub?x=1");
        assertEquals(301, redirect.statusCode());
        assertEquals("/sub/?x=1", header(redirect, "location"));
        assertArrayEquals(INDEX, get("/sub/").body());
        assertEquals(404, get("/empty/").statusCode(), "no listing");
    }

    @Test
    void emptyFilesAndMissingFiles() throws Exception {
        HttpResponse<byte[]> empty = get("/empty.bin");
        assertEquals(200, empty.statusCode());
        assertEquals(0, empty.body().length);
        assertEquals(404, get("/nope.txt").statusCode());
        assertEquals(404, get("/hello.txt/more").statusCode());
        assertEquals(404, get("/.env").statusCode(), "hidden files are not served by default");
    }

    @Test
    void anUnreadableFileIs403() throws Exception {
        Path locked = root.resolve("locked.txt");
        Files.write(locked, HELLO);
        try {
            boolean changed = locked.toFile().setReadable(false, false);
            Assumptions.assumeTrue(changed && !Files.isReadable(locked), "permissions not enforced (root?)");
            assertEquals(403, get("/locked.txt").statusCode());
            assertEquals(200, get("/hello.txt").statusCode(), "the connection and server go on");
        } finally {
            locked.toFile().setReadable(true, false);
            Files.delete(locked);
        }
    }

    @Test
    void otherMethodsGet405WithAllow() throws Exception {
        for (String method : new String[] {"POST", "PUT", "DELETE", "OPTIONS"}) {
            HttpResponse<byte[]> r = send(method, "/hello.txt");
            assertEquals(405, r.statusCode(), method);
            assertEquals("GET, HEAD", header(r, "allow"), method);
        }
        // A request body sent with the refused method is consumed; the connection goes on.
        HttpResponse<byte[]> post = client.send(java.net.http.HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/hello.txt"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("x".repeat(10_000))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(405, post.statusCode());
        assertEquals(200, get("/hello.txt").statusCode());
    }

    // ------------------------------------------------------------------ conditionals

    @Test
    void ifNoneMatchAndIfModifiedSinceGive304() throws Exception {
        String etag = etagOf("/hello.txt");
        HttpResponse<byte[]> r = get("/hello.txt", "If-None-Match", etag);
        assertEquals(304, r.statusCode());
        assertEquals(0, r.body().length);
        assertEquals(etag, header(r, "etag"));
        assertNull(header(r, "content-length"));
        assertEquals(304, get("/hello.txt", "If-None-Match", "\"other\", W/" + etag).statusCode(), "weak match");
        assertEquals(304, get("/hello.txt", "If-None-Match", "*").statusCode());
        assertEquals(200, get("/hello.txt", "If-None-Match", "\"other\"").statusCode());
        assertEquals(304, get("/hello.txt", "If-Modified-Since", "Mon, 04 Mar 2024 05:06:07 GMT").statusCode());
        assertEquals(304, get("/hello.txt", "If-Modified-Since", "Sunday, 05-Mar-34 05:06:07 GMT").statusCode(),
                "RFC 850 date");
        assertEquals(200, get("/hello.txt", "If-Modified-Since", "Mon, 04 Mar 2024 05:06:06 GMT").statusCode());
        assertEquals(200, get("/hello.txt", "If-Modified-Since", "not a date").statusCode());
        // If-None-Match takes precedence over If-Modified-Since (RFC 9110 section 13.2.2).
        assertEquals(200, get("/hello.txt", "If-None-Match", "\"other\"", "If-Modified-Since",
                "Mon, 04 Mar 2099 05:06:07 GMT").statusCode());
    }

    @Test
    void ifMatchAndIfUnmodifiedSinceGive412() throws Exception {
        String etag = etagOf("/hello.txt");
        assertEquals(200, get("/hello.txt", "If-Match", etag).statusCode());
        assertEquals(412, get("/hello.txt", "If-Match", "\"other\"").statusCode());
        assertEquals(412, get("/hello.txt", "If-Match", "W/" + etag).statusCode(), "weak tags never match");
        assertEquals(412, get("/hello.txt", "If-Unmodified-Since", "Mon, 04 Mar 2024 05:06:06 GMT").statusCode());
        assertEquals(200, get("/hello.txt", "If-Unmodified-Since", "Mon, 04 Mar 2024 05:06:07 GMT").statusCode());
    }

    // ------------------------------------------------------------------ ranges

    @Test
    void rangesGive206Or416() throws Exception {
        HttpResponse<byte[]> r = get("/big.bin", "Range", "bytes=10-19");
        assertEquals(206, r.statusCode());
        assertArrayEquals(java.util.Arrays.copyOfRange(big, 10, 20), r.body());
        assertEquals("bytes 10-19/" + big.length, header(r, "content-range"));
        assertEquals("10", header(r, "content-length"));
        HttpResponse<byte[]> suffix = get("/big.bin", "Range", "bytes=-5");
        assertArrayEquals(java.util.Arrays.copyOfRange(big, big.length - 5, big.length), suffix.body());
        HttpResponse<byte[]> open = get("/big.bin", "Range", "bytes=" + (big.length - 3) + "-");
        assertEquals("bytes " + (big.length - 3) + "-" + (big.length - 1) + "/" + big.length,
                header(open, "content-range"));
        HttpResponse<byte[]> clipped = get("/hello.txt", "Range", "bytes=0-999999");
        assertEquals(206, clipped.statusCode());
        assertArrayEquals(HELLO, clipped.body());

        HttpResponse<byte[]> unsatisfiable = get("/big.bin", "Range", "bytes=" + big.length + "-");
        assertEquals(416, unsatisfiable.statusCode());
        assertEquals("bytes */" + big.length, header(unsatisfiable, "content-range"));
        assertEquals(416, get("/empty.bin", "Range", "bytes=0-").statusCode());
        assertEquals(416, get("/hello.txt", "Range", "bytes=-0").statusCode());

        // Ignored: overlapping or too many ranges, another unit, garbage -> the whole file.
        assertEquals(200, get("/hello.txt", "Range", "bytes=0-4,3-5").statusCode());
        assertEquals(200, get("/big.bin", "Range", "bytes=" + "0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14,16-16,18-18,"
                + "20-20,22-22,24-24,26-26,28-28,30-30,32-32").statusCode());
        assertEquals(200, get("/hello.txt", "Range", "lines=1-2").statusCode());
        assertEquals(200, get("/hello.txt", "Range", "bytes=5-2").statusCode());
        assertEquals(200, get("/hello.txt", "Range", "bytes=x-").statusCode());
    }

    @Test
    void severalRangesGetAMultipartByterangesBody() throws Exception {
        HttpResponse<byte[]> r = get("/hello.txt", "Range", "bytes=0-4, 7-12,-3");
        assertEquals(206, r.statusCode());
        String type = header(r, "content-type");
        assertTrue(type.startsWith("multipart/byteranges; boundary="), type);
        String boundary = type.substring(type.indexOf('=') + 1);
        String body = new String(r.body(), StandardCharsets.US_ASCII);
        assertEquals(Integer.toString(r.body().length), header(r, "content-length"));
        String text = new String(HELLO, StandardCharsets.US_ASCII);
        int n = HELLO.length;
        String expected = "--" + boundary + "\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-range: bytes 0-4/"
                + n + "\r\n\r\n" + text.substring(0, 5)
                + "\r\n--" + boundary + "\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-range: bytes 7-12/"
                + n + "\r\n\r\n" + text.substring(7, 13)
                + "\r\n--" + boundary + "\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-range: bytes "
                + (n - 3) + "-" + (n - 1) + "/" + n + "\r\n\r\n" + text.substring(n - 3)
                + "\r\n--" + boundary + "--\r\n";
        assertEquals(expected, body);
        // Unsatisfiable members are dropped; one left is a plain 206.
        HttpResponse<byte[]> one = get("/hello.txt", "Range", "bytes=0-4,9999-");
        assertEquals(206, one.statusCode());
        assertEquals("bytes 0-4/" + n, header(one, "content-range"));
        assertEquals(416, get("/hello.txt", "Range", "bytes=9998-,9999-").statusCode());
    }

    @Test
    void ifRangeDecidesBetween206And200() throws Exception {
        String etag = etagOf("/hello.txt");
        assertEquals(206, get("/hello.txt", "Range", "bytes=0-4", "If-Range", etag).statusCode());
        HttpResponse<byte[]> stale = get("/hello.txt", "Range", "bytes=0-4", "If-Range", "\"stale\"");
        assertEquals(200, stale.statusCode());
        assertArrayEquals(HELLO, stale.body());
        assertEquals(206, get("/hello.txt", "Range", "bytes=0-4", "If-Range", "Mon, 04 Mar 2024 05:06:07 GMT")
                .statusCode());
        assertEquals(200, get("/hello.txt", "Range", "bytes=0-4", "If-Range", "Mon, 04 Mar 2024 05:06:08 GMT")
                .statusCode());
    }

    // ------------------------------------------------------------------ paths that must not be served

    private static String raw(String target) throws IOException {
        return RawHttp.exchangeUntilClose(server.port(), ("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n"
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static int status(String response) {
        assertTrue(response.startsWith("HTTP/1.1 "), response);
        return Integer.parseInt(response.substring(9, 12));
    }

    @Test
    void traversalIsNeverServed() throws Exception {
        for (String target : new String[] {"/../secret.txt", "/sub/../../secret.txt", "/%2e%2e/secret.txt",
            "/%2E%2E/%2e%2e/secret.txt", "/sub/%2e%2e/%2e%2e/secret.txt"}) {
            String response = raw(target);
            assertEquals(403, status(response), target + ": " + response);
            assertFalse(response.contains("outside the root"), target);
        }
        for (String target : new String[] {"/..%2fsecret.txt", "/sub%2f..%2f..%2fsecret.txt", "/%5c..%5csecret.txt",
            "/hello.txt%00.png", "/%zz", "/%c3%28", "/%"}) {
            String response = raw(target);
            assertEquals(400, status(response), target + ": " + response);
        }
        // Dot segments that stay inside the root are fine.
        assertEquals(200, status(raw("/sub/../hello.txt")));
        assertEquals(200, status(raw("/./hello%2etxt")));
    }

    @Test
    void symbolicLinksOutOfTheRootAreNotFollowed() throws Exception {
        Assumptions.assumeTrue(Files.isSymbolicLink(root.resolve("escape.txt")), "no symbolic links here");
        HttpResponse<byte[]> escape = get("/escape.txt");
        assertEquals(404, escape.statusCode());
        assertFalse(new String(escape.body(), StandardCharsets.US_ASCII).contains("outside the root"));
        assertEquals(404, get("/escape-dir/secret.txt").statusCode());
        // A link whose target resolves back under the root names a file that may be served anyway.
        assertEquals(200, get("/escape-dir/www/hello.txt").statusCode());
        HttpResponse<byte[]> inside = get("/inside.txt");
        assertEquals(200, inside.statusCode());
        assertArrayEquals(HELLO, inside.body());
    }

    // ------------------------------------------------------------------ large files, TLS

    @Test
    void aLargeFileArrivesByteExact() throws Exception {
        HttpResponse<InputStream> r = client.send(java.net.http.HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/big.bin")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertArrayEquals(sha256(big), sha256(r.body()));
    }

    @Test
    void aFileServedThroughTlsArrivesByteExact() throws Exception {
        for (int i = 0; i < 2; i++) { // twice on one keep-alive connection
            HttpResponse<InputStream> r = tlsClient.send(java.net.http.HttpRequest.newBuilder(
                    URI.create("https://localhost:" + tlsServer.port() + "/big.bin")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            assertEquals(Integer.toString(big.length), r.headers().firstValue("content-length").orElseThrow());
            assertArrayEquals(sha256(big), sha256(r.body()));
        }
        HttpResponse<byte[]> range = tlsClient.send(java.net.http.HttpRequest.newBuilder(
                URI.create("https://localhost:" + tlsServer.port() + "/big.bin")).header("Range", "bytes=100-199")
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(206, range.statusCode());
        assertArrayEquals(java.util.Arrays.copyOfRange(big, 100, 200), range.body());
    }

    // ------------------------------------------------------------------ curl

    private static List<String> curl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "-s", "-S", "--max-time", "30"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String text = new String(out, StandardCharsets.ISO_8859_1);
        assertEquals(0, p.exitValue(), text);
        return List.of(text.split("\r\n", -1));
    }

    @Test
    void curlHeadRangeAndConditionals() throws Exception {
        Assumptions.assumeTrue(onPath("curl"), "curl is not on the PATH");
        String url = "http://127.0.0.1:" + server.port() + "/hello.txt";
        List<String> head = curl("--head", url);
        assertEquals("HTTP/1.1 200 OK", head.get(0));
        assertTrue(head.contains("content-length: " + HELLO.length), head.toString());

        List<String> range = curl("-i", "-r", "0-4", url);
        assertEquals("HTTP/1.1 206 Partial Content", range.get(0));
        assertEquals("hello", range.get(range.size() - 1));
        List<String> ranges = curl("-i", "-r", "0-4,7-12", url);
        assertEquals("HTTP/1.1 206 Partial Content", ranges.get(0));
        assertTrue(ranges.contains("hello") && ranges.contains("static"), ranges.toString());

        // -z with a date at or after the file's time sends If-Modified-Since: 304; an earlier one: 200.
        assertTrue(curl("-i", "-z", "Mon, 04 Mar 2024 05:06:07 GMT", url).get(0).startsWith("HTTP/1.1 304"));
        assertTrue(curl("-i", "-z", "Sun, 03 Mar 2024 05:06:07 GMT", url).get(0).startsWith("HTTP/1.1 200"));

        String etag = etagOf("/hello.txt");
        assertTrue(curl("-i", "-H", "If-None-Match: " + etag, url).get(0).startsWith("HTTP/1.1 304"));
        assertTrue(curl("-i", "-r", "999-", url).get(0).startsWith("HTTP/1.1 416"));
        assertTrue(curl("-i", "--path-as-is", "http://127.0.0.1:" + server.port() + "/../secret.txt").get(0)
                .startsWith("HTTP/1.1 403"));
        assertTrue(curl("-i", "-X", "POST", url).get(0).startsWith("HTTP/1.1 405"));
        assertTrue(curl("-i", "http://127.0.0.1:" + server.port() + "/missing").get(0).startsWith("HTTP/1.1 404"));
    }

    @Test
    void curlOverTlsDownloadsTheFileByteExact() throws Exception {
        Assumptions.assumeTrue(onPath("curl"), "curl is not on the PATH");
        Path out = base.resolve("curl-download.bin");
        curl("-k", "-o", out.toString(), "https://127.0.0.1:" + tlsServer.port() + "/big.bin");
        assertArrayEquals(sha256(big), sha256(Files.readAllBytes(out)));
    }

    @Test
    void rejectsARootThatIsNoDirectory() {
        assertThrows(IllegalArgumentException.class, () -> StaticFileHandler.builder(base.resolve("nothing")));
        assertThrows(IllegalArgumentException.class, () -> StaticFileHandler.builder(root.resolve("hello.txt")));
    }

    // ------------------------------------------------------------------ helpers

    static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    static byte[] sha256(InputStream in) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (in) {
            byte[] chunk = new byte[64 * 1024];
            int n;
            while ((n = in.read(chunk)) > 0) {
                sha.update(chunk, 0, n);
            }
        }
        return sha.digest();
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}
