package io.weft.codec.http.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Server;
import io.weft.channel.ChannelOption;
import io.weft.codec.http.HttpServerCodec;
import io.weft.handler.access.IpFilter;
import io.weft.handler.access.IpRules;
import io.weft.loop.EventLoopGroup;
import io.weft.metrics.PrometheusFormat;
import io.weft.metrics.TrafficMetrics;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Prometheus page over a real HTTP connection, checked line by line with a strict parser. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrometheusHttpHandlerTest {

    /** A label value that needs every escape of the format. */
    private static final String ODD_LABEL = "w\"or\\ker\ns";

    private static EventLoopGroup group;
    private TrafficMetrics metrics;
    private IpFilter filter;
    private Server server;

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
        if (metrics != null) {
            metrics.close();
        }
    }

    private int start(int maxChannels) {
        metrics = new TrafficMetrics("web");
        metrics.monitor(ODD_LABEL, group, 5, TimeUnit.MILLISECONDS);
        filter = IpFilter.builder().rules(IpRules.builder().allow("127.0.0.1").build()).build();
        metrics.watch(filter);
        metrics.counter("app_jobs_total", "Jobs done.", () -> 42).gauge("app_queue", "Queue \\ length.", () -> 7);
        TrafficMetrics m = metrics;
        server = Server.builder().group(group)
                .option(ChannelOption.ACCEPT_FILTER, filter)
                .childHandler(ch -> ch.pipeline()
                        .addLast("traffic", m.newTrafficHandler())
                        .addLast("http", new HttpServerCodec())
                        .addLast("messages", m.newMessageCounter())
                        .addLast("metrics", new PrometheusHttpHandler("/metrics", List.of(m), maxChannels))
                        .addLast("hello", new HelloHandler()))
                .bind("127.0.0.1", 0);
        return server.port();
    }

    @Test
    void servesAPageThatParsesStrictly() throws Exception {
        int port = start(0);
        assertEquals("hello /x", SimpleHttp.get(port, "/x").body(), "other paths pass on");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (metrics.loops().get(0).lag().count() < 3 || metrics.connectionsClosed() < 1) {
            assertTrue(System.nanoTime() < deadline, "probes and the first connection's close");
            Thread.sleep(5);
        }

        SimpleHttp.Response r = SimpleHttp.get(port, "/metrics");
        assertEquals(200, r.status());
        assertEquals(PrometheusFormat.CONTENT_TYPE, r.headers().get("content-type"));
        PrometheusText page = PrometheusText.parse(r.body());

        Map<String, String> server = Map.of("server", "web");
        assertEquals("counter", page.types.get("weft_connections_opened_total"));
        assertEquals("histogram", page.types.get("weft_loop_lag_seconds"));
        assertEquals(2, page.value("weft_connections_opened_total", server), "the first request and this one");
        assertEquals(1, page.value("weft_connections_closed_total", server));
        assertEquals(1, page.value("weft_connections_active", server));
        // GET /x: its head and its (empty) last content; GET /metrics: its head, rendered before its last content.
        assertEquals(3, page.value("weft_messages_read_total", server));
        assertEquals(2, page.value("weft_ipfilter_accepted_total", Map.of("filter", "0")));
        assertEquals(0, page.value("weft_ipfilter_refused_total", Map.of("reason", "rule")));
        Map<String, String> loop = Map.of("group", ODD_LABEL, "loop", "0");
        assertTrue(page.value("weft_loop_lag_seconds_count", loop) >= 3);
        assertEquals(page.value("weft_loop_lag_seconds_count", loop),
                page.value("weft_loop_lag_seconds_bucket", Map.of("group", ODD_LABEL, "le", "+Inf")));
        assertTrue(page.value("weft_loop_tasks_run_total", loop) >= 3);
        assertTrue(page.value("weft_loop_selects_total", loop) >= 1);
        assertTrue(page.value("weft_loop_selected_keys_total", loop) >= 2);
        assertTrue(r.body().contains("group=\"w\\\"or\\\\ker\\ns\""), "label escaped");
        assertEquals(42, page.value("app_jobs_total", server));
        assertEquals("gauge", page.types.get("app_queue"));
        assertEquals(7, page.value("app_queue", server));
    }

    @Test
    void addsPerChannelSeriesOnlyWhenAskedFor() throws Exception {
        int port = start(10);
        try (Socket idle = new Socket("127.0.0.1", port)) {
            SimpleHttp.Response r = SimpleHttp.get(port, "/metrics");
            PrometheusText page = PrometheusText.parse(r.body());
            long channels = page.samples.stream()
                    .filter(s -> s.name().equals("weft_channel_bytes_read_total")).count();
            assertEquals(2, channels, "the idle connection and this one");
            assertTrue(idle.isConnected());
        }
    }

    @Test
    void refusesOtherMethodsAndRendersHeadWithoutABody() throws Exception {
        int port = start(0);
        SimpleHttp.Response post = SimpleHttp.request(port, "POST", "/metrics", "content-length: 3");
        assertEquals(405, post.status());
        assertEquals("GET, HEAD", post.headers().get("allow"));
        SimpleHttp.Response head = SimpleHttp.request(port, "HEAD", "/metrics");
        assertEquals(200, head.status());
        assertEquals("", head.body());
    }

    @Test
    void refusesCustomMetricsWithBadOrBuiltInNames() {
        metrics = new TrafficMetrics("names");
        TrafficMetrics m = metrics;
        assertThrows(IllegalArgumentException.class, () -> m.counter("jobs", "no _total", () -> 1));
        assertThrows(IllegalArgumentException.class, () -> m.counter("weft_bytes_read_total", "built in", () -> 1));
        assertThrows(IllegalArgumentException.class, () -> m.gauge("weft_loop_lag_seconds_count", "built in", () -> 1));
        assertThrows(IllegalArgumentException.class, () -> m.gauge("bad-name", "dash", () -> 1));
        m.gauge("ok", "fine", () -> 1);
        assertThrows(IllegalArgumentException.class, () -> m.gauge("ok", "twice", () -> 1));
    }

    @Test
    void strictParserRejectsMalformedExpositions() {
        assertThrows(AssertionError.class, () -> PrometheusText.parse("a_total 1\n"), "no TYPE");
        assertThrows(AssertionError.class, () -> PrometheusText.parse("# TYPE a counter\na{x=\"\\q\"} 1\n"));
        assertThrows(AssertionError.class, () -> PrometheusText.parse("# TYPE a counter\na 1"), "no final LF");
        assertThrows(AssertionError.class, () -> PrometheusText.parse("# TYPE a counter\na one\n"));
        assertThrows(AssertionError.class, () -> PrometheusText.parse(
                "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 0\nh_count 1\n"));
        assertThrows(AssertionError.class, () -> PrometheusText.parse(
                "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x=\"1\"} 2\n"), "split family");
        PrometheusText.parse("# HELP a A \\\\ help.\n# TYPE a gauge\na{x=\"\\\"\"} -1.5e-3\n");
    }
}
