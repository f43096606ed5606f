package io.weft.examples.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.balance.Backend;
import io.weft.balance.BackendSet;
import io.weft.balance.HealthCheck;
import io.weft.bootstrap.Server;
import io.weft.examples.http.HttpHelloServer;
import io.weft.loop.EventLoopGroup;
import io.weft.testing.log.LogCapture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpReverseProxyExampleTest {

    @Test
    void proxiesHelloServersWithHealthChecksAndFailsOverToTheLiveOne() throws Exception {
        try (LogCapture logs = LogCapture.start(); // the DOWN line is expected, not printed
                EventLoopGroup group = new EventLoopGroup(2)) {
            Server a = HttpHelloServer.start(group, "127.0.0.1", 0);
            Server b = HttpHelloServer.start(group, "127.0.0.1", 0);
            try {
                BackendSet backends = TcpLoadBalancerTest.parse("0", "round-robin", "127.0.0.1:" + a.port(),
                        "127.0.0.1:" + b.port()).backends;
                // The hello server answers 404 to GET /, so check /plaintext as a user would with the property.
                HealthCheck check = HealthCheck.http("/plaintext").withInterval(Duration.ofMillis(100))
                        .withThresholds(2, 2);
                try (HttpReverseProxy.Running proxy = HttpReverseProxy.start(group, "127.0.0.1", 0, backends,
                        check, null)) {
                    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                    URI uri = URI.create("http://127.0.0.1:" + proxy.server().port() + "/plaintext");
                    for (int i = 0; i < 10; i++) {
                        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).build(),
                                HttpResponse.BodyHandlers.ofString());
                        assertEquals(200, r.statusCode());
                        assertEquals("Hello, World!", r.body());
                        assertEquals("1.1 weft", r.headers().firstValue("via").orElse(""));
                    }
                    assertEquals(5, backends.backends().get(0).totalConnections());
                    assertEquals(5, backends.backends().get(1).totalConnections());
                    a.close();
                    Backend first = backends.backends().get(0);
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                    while (first.state() != Backend.State.DOWN && System.nanoTime() < deadline) {
                        Thread.sleep(10);
                    }
                    assertEquals(Backend.State.DOWN, first.state());
                    for (int i = 0; i < 10; i++) {
                        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).build(),
                                HttpResponse.BodyHandlers.ofString());
                        assertEquals(200, r.statusCode(), "request " + i + " after the first backend died");
                    }
                    assertTrue(backends.backends().get(1).totalConnections() >= 15);
                }
            } finally {
                a.close();
                b.close();
            }
        }
    }
}
