package io.weft.examples.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Server;
import io.weft.loop.EventLoopGroup;
import io.weft.metrics.TrafficMetrics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GuardedHttpServerTest {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static HttpResponse<String> get(int port, String path, String credentials) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (credentials != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        return CLIENT.send(b.build(), BodyHandlers.ofString());
    }

    @Test
    void guardsEveryPathButMetrics() throws Exception {
        EventLoopGroup group = new EventLoopGroup(1);
        TrafficMetrics metrics = new TrafficMetrics("guarded-test");
        Server server = GuardedHttpServer.start(group, "127.0.0.1", 0, "ops", "pa55", metrics);
        try {
            int port = server.port();
            HttpResponse<String> denied = get(port, "/", null);
            assertEquals(401, denied.statusCode());
            assertEquals("Basic realm=\"weft\", charset=\"UTF-8\"",
                    denied.headers().firstValue("www-authenticate").orElseThrow());
            assertEquals(401, get(port, "/hello", "ops:wrong").statusCode());
            HttpResponse<String> hello = get(port, "/hello", "ops:pa55");
            assertEquals(200, hello.statusCode());
            assertEquals("Hello, World!\n", hello.body());

            HttpResponse<String> page = get(port, "/metrics", null);
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("# TYPE weft_connections_opened_total counter"), page.body());
            assertTrue(page.body().contains("weft_ipfilter_accepted_total{server=\"guarded-test\",filter=\"0\"}"));
            assertTrue(page.body().contains("weft_http_auth_rejected_total{server=\"guarded-test\"} 2\n"),
                    page.body());
            assertTrue(page.body().contains("weft_http_auth_authenticated_total{server=\"guarded-test\"} 1\n"));

            // 127.0.0.2 is loopback too: allowed.
            try (Socket s = new Socket()) {
                s.bind(new InetSocketAddress("127.0.0.2", 0));
                s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                s.setSoTimeout(20_000);
                s.getOutputStream().write("GET /metrics HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                String status = new BufferedReader(new InputStreamReader(s.getInputStream(),
                        StandardCharsets.US_ASCII)).readLine();
                assertEquals("HTTP/1.1 200 OK", status);
            }
        } finally {
            server.close();
            metrics.close();
            group.close();
        }
    }

    private static Process launch(ProcessBuilder.Redirect stderr, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String[] cmd = new String[5 + args.length];
        cmd[0] = java;
        cmd[1] = "-Dguarded.host=127.0.0.1";
        cmd[2] = "-cp";
        cmd[3] = System.getProperty("java.class.path");
        cmd[4] = GuardedHttpServer.class.getName();
        System.arraycopy(args, 0, cmd, 5, args.length);
        return new ProcessBuilder(cmd).redirectError(stderr).start();
    }

    @Test
    void printsAnErrorAndUsageOnBadArguments() throws Exception {
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            String taken = String.valueOf(busy.getLocalPort());
            String[][] cases = {{}, {"80"}, {"x", "u", "p"}, {"70000", "u", "p"}, {"1", "a:b", "p"},
                {"0", "u", "p", "extra"}, {taken, "u", "p"}};
            String[] expected = {"missing PORT", "missing USER", "bad port 'x'", "bad port '70000'", "bad USER 'a:b'",
                "unexpected argument 'extra'", "cannot listen there"};
            for (int i = 0; i < cases.length; i++) {
                Process p = launch(ProcessBuilder.Redirect.PIPE, cases[i]);
                assertTrue(p.waitFor(60, TimeUnit.SECONDS));
                String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(2, p.exitValue(), err);
                assertTrue(err.startsWith("error: " + expected[i]), err);
                assertTrue(err.contains("usage: " + GuardedHttpServer.USAGE), err);
            }
        }
    }

    @Test
    void runsAsAProgram() throws Exception {
        Process p = launch(ProcessBuilder.Redirect.DISCARD, "0", "ops", "pa55");
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertTrue(line != null && line.startsWith("GuardedHttpServer listening on port "), line);
            int port = Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1));
            assertEquals(401, get(port, "/", null).statusCode());
            assertEquals(200, get(port, "/", "ops:pa55").statusCode());
            assertEquals(200, get(port, "/metrics", null).statusCode());
        } finally {
            p.destroy();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
    }
}
