package io.weft.codec.http.ops;

import io.weft.codec.http.FullHttpResponse;
import io.weft.codec.http.HttpHeaderNames;
import io.weft.codec.http.HttpMethod;
import io.weft.codec.http.HttpRequest;
import io.weft.codec.http.HttpResponseStatus;
import io.weft.metrics.PrometheusFormat;
import io.weft.metrics.TrafficMetrics;
import io.weft.pipeline.HandlerContext;
import java.util.List;

/**
 * Serves {@link TrafficMetrics} as Prometheus text (format 0.0.4, see {@link PrometheusFormat}) at one path of an
 * HTTP server; every other request passes on to the next handler. Place it after the {@code HttpServerCodec}:
 *
 * <pre>{@code
 * ch.pipeline().addLast("http", new HttpServerCodec())
 *              .addLast("metrics", new PrometheusHttpHandler("/metrics", List.of(metrics)))
 *              .addLast("app", new MyHandler());
 * }</pre>
 *
 * <p>{@code GET} and {@code HEAD} get {@code 200} with {@value PrometheusFormat#CONTENT_TYPE}; other methods
 * {@code 405} with {@code allow: GET, HEAD}. The page is rendered on the channel's loop when asked for (cost grows
 * with the number of monitored loops and filters, not with traffic). One instance per connection; the metrics may
 * be shared by all of them. Like any handler that answers a request itself, it answers at once: behind a pipelined
 * request that an asynchronous application handler has not answered yet, the metrics response would come first.
 */
public final class PrometheusHttpHandler extends HttpInterceptor {

    private final String path;
    private final List<TrafficMetrics> metrics;
    private final int maxChannels;

    /** Serves {@code metrics} at {@code path} (for example {@code /metrics}), without per-channel series. */
    public PrometheusHttpHandler(String path, List<TrafficMetrics> metrics) {
        this(path, metrics, 0);
    }

    /**
     * Serves {@code metrics} at {@code path}, with per-channel series for at most {@code maxChannels} open channels
     * of each (0: none).
     */
    public PrometheusHttpHandler(String path, List<TrafficMetrics> metrics, int maxChannels) {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/': " + path);
        }
        if (maxChannels < 0) {
            throw new IllegalArgumentException("maxChannels must not be negative, was " + maxChannels);
        }
        this.path = path;
        this.metrics = List.copyOf(metrics);
        this.maxChannels = maxChannels;
    }

    @Override
    FullHttpResponse intercept(HandlerContext ctx, HttpRequest request) {
        if (!path.equals(request.path())) {
            return null;
        }
        if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
            FullHttpResponse r = response(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                    "Method Not Allowed\n");
            r.headers().add("allow", "GET, HEAD");
            return r;
        }
        StringBuilder page = new StringBuilder(8192);
        PrometheusFormat.write(metrics, maxChannels, page);
        FullHttpResponse r = response(ctx, HttpResponseStatus.OK, PrometheusFormat.CONTENT_TYPE, page.toString());
        r.headers().add("cache-control", "no-store");
        return r;
    }
}
