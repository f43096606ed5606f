package io.weft.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Server;
import io.weft.loop.EventLoopGroup;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpExamplesTest {

    private static EventLoopGroup group;
    private static Server hello;
    private static Server files;
    @TempDir
    static Path root;
    private static byte[] big;

    @BeforeAll
    static void start() throws Exception {
        group = new EventLoopGroup(2);
        hello = HttpHelloServer.start(group, "127.0.0.1", 0);
        big = new byte[(3 << 20) + 17];
        new Random(3).nextBytes(big);
        Files.write(root.resolve("big.bin"), big);
        Files.writeString(root.resolve("index.html"), "<h1>hi</h1>");
        files = HttpFileServer.start(group, root, "127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        hello.close();
        files.close();
        group.close();
    }

    @Test
    void helloServerAnswersPlaintextAndJsonToTheJdkClient() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        var plain = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hello.port() + "/plaintext"))
                .build(), BodyHandlers.ofString());
        assertEquals(200, plain.statusCode());
        assertEquals("Hello, World!", plain.body());
        assertEquals("text/plain", plain.headers().firstValue("content-type").orElseThrow());
        assertTrue(plain.headers().firstValue("date").orElseThrow().endsWith(" GMT"));
        var json = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hello.port() + "/json"))
                .build(), BodyHandlers.ofString());
        assertEquals("{\"message\":\"Hello, World!\"}", json.body());
        assertEquals("application/json", json.headers().firstValue("content-type").orElseThrow());
        var missing = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hello.port() + "/nope"))
                .build(), BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());
    }

    @Test
    void helloServerAnswersCurl() throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("curl", "-sS", "--max-time", "30",
                    "http://127.0.0.1:" + hello.port() + "/plaintext").redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            Assumptions.abort("curl is not installed");
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals("Hello, World!", out);
    }

    @Test
    void weftClientFetchesFromTheHelloServer() throws Exception {
        HttpGetClient.Result result = HttpGetClient.fetch(group,
                URI.create("http://127.0.0.1:" + hello.port() + "/json")).get(30, TimeUnit.SECONDS);
        assertEquals(200, result.status());
        assertEquals("application/json", result.contentType());
        assertEquals("{\"message\":\"Hello, World!\"}", result.body());
    }

    @Test
    void fileServerSendsFilesByteExact() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String base = "http://127.0.0.1:" + files.port();
        for (int i = 0; i < 2; i++) {
            var response = client.send(HttpRequest.newBuilder(URI.create(base + "/big.bin")).build(),
                    BodyHandlers.ofByteArray());
            assertEquals(200, response.statusCode());
            assertEquals(String.valueOf(big.length), response.headers().firstValue("content-length").orElseThrow());
            assertTrue(java.util.Arrays.equals(big, response.body()), "file body intact");
        }
        var index = client.send(HttpRequest.newBuilder(URI.create(base + "/")).build(), BodyHandlers.ofString());
        assertEquals("<h1>hi</h1>", index.body());
        var head = client.send(HttpRequest.newBuilder(URI.create(base + "/big.bin"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), BodyHandlers.ofString());
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        var missing = client.send(HttpRequest.newBuilder(URI.create(base + "/missing.txt")).build(),
                BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());
    }

    @Test
    void fileServerRefusesToLeaveItsRoot() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", files.port())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write("GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 403 "), answer);
        }
    }

    @Test
    void fileServerAnswersConditionalAndRangeRequests() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create("http://127.0.0.1:" + files.port() + "/big.bin");
        var full = client.send(HttpRequest.newBuilder(uri).build(), BodyHandlers.discarding());
        String etag = full.headers().firstValue("etag").orElseThrow();
        var notModified = client.send(HttpRequest.newBuilder(uri).header("If-None-Match", etag).build(),
                BodyHandlers.ofByteArray());
        assertEquals(304, notModified.statusCode());
        var range = client.send(HttpRequest.newBuilder(uri).header("Range", "bytes=5-9").build(),
                BodyHandlers.ofByteArray());
        assertEquals(206, range.statusCode());
        assertTrue(java.util.Arrays.equals(java.util.Arrays.copyOfRange(big, 5, 10), range.body()));
    }

    @Test
    void pipelinedPlaintextRequestsAreAnsweredInOrder() throws Exception {
        StringBuilder requests = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            boolean json = i % 2 == 1;
            requests.append("GET /").append(json ? "json" : "plaintext").append(" HTTP/1.1\r\nHost: x\r\n\r\n");
            expected.add(json ? "{\"message\":\"Hello, World!\"}" : "Hello, World!");
        }
        requests.append("GET /plaintext HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        expected.add("Hello, World!");
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", hello.port())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(requests.toString().getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            List<String> bodies = new ArrayList<>();
            for (String part : answer.split("HTTP/1.1 200 OK\r\n")) {
                if (!part.isEmpty()) {
                    bodies.add(part.substring(part.indexOf("\r\n\r\n") + 4));
                }
            }
            assertEquals(expected, bodies);
        }
    }
}
