package io.weft.examples.proxy;

import io.weft.balance.BackendSet;
import io.weft.balance.HealthCheck;
import io.weft.balance.HealthChecker;
import io.weft.bootstrap.Server;
import io.weft.examples.Cli;
import io.weft.codec.http.proxy.ResponseCache;
import io.weft.loop.EventLoopGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP reverse proxy (load balancer) in front of HTTP backends: keep-alive connection pools, health checks with
 * {@code GET /} every 2 s (down after 3 failures, up after 2 successes), 502/503/504 when backends fail, and a
 * report of where requests went every 10 s.
 *
 * <p>Usage: {@code HttpReverseProxy PORT STRATEGY HOST:PORT[,WEIGHT]...} with STRATEGY one of
 * {@code round-robin}, {@code weighted}, {@code least-connections}, {@code power-of-two}. System properties:
 * {@code -Dweft.proxy.healthPath=/health} checks another path; {@code -Dweft.proxy.cacheBytes=67108864} adds a
 * response cache of that many bytes (entries up to 1 MiB, prefetch in the last 10 % of freshness). Try it with two
 * hello servers:
 * <pre>
 * java -cp weft-examples.jar io.weft.examples.http.HttpHelloServer 9001 &amp;   (and 9002)
 * java -cp weft-examples.jar io.weft.examples.proxy.HttpReverseProxy 8080 round-robin 127.0.0.1:9001 127.0.0.1:9002
 * curl -v http://127.0.0.1:8080/plaintext
 * </pre>
 */
public final class HttpReverseProxy {

    private static final Logger log = LoggerFactory.getLogger(HttpReverseProxy.class);

    private HttpReverseProxy() {
    }

    /** Starts the proxy on {@code port} of {@code host} with HTTP health checks; the caller closes it. */
    static Running start(EventLoopGroup group, String host, int port, BackendSet backends, HealthCheck check,
            ResponseCache cache) {
        io.weft.codec.http.proxy.HttpReverseProxy proxy = io.weft.codec.http.proxy.HttpReverseProxy
                .builder(backends).cache(cache).build();
        Server server = Server.builder().group(group).childHandler(proxy).bind(host, port);
        return new Running(server, HealthChecker.start(backends, check, group), proxy);
    }

    /** A started proxy. */
    record Running(Server server, HealthChecker checker, io.weft.codec.http.proxy.HttpReverseProxy proxy)
            implements AutoCloseable {
        @Override
        public void close() {
            checker.close();
            server.close();
            proxy.close();
        }
    }

    /** Parses the arguments, starts, reports every 10 s, and runs until killed. */
    public static void main(String[] args) {
        Cli.main(HttpReverseProxy.class.getSimpleName() + " " + ProxyArgs.USAGE, args, a -> {
            ProxyArgs parsed = ProxyArgs.parse(a);
            HealthCheck check;
            try {
                check = HealthCheck.http(System.getProperty("weft.proxy.healthPath", "/"));
            } catch (IllegalArgumentException e) {
                throw new Cli.UsageException("bad -Dweft.proxy.healthPath: " + e.getMessage());
            }
            long cacheBytes = Long.getLong("weft.proxy.cacheBytes", 0);
            ResponseCache cache = cacheBytes <= 0 ? null
                    : new ResponseCache(cacheBytes, (int) Math.min(cacheBytes, 1 << 20), 0.1);
            EventLoopGroup group = new EventLoopGroup();
            Running running;
            try {
                running = start(group, "0.0.0.0", parsed.port, parsed.backends, check, cache);
            } catch (RuntimeException e) {
                group.close();
                throw e;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                running.close();
                group.close();
            }));
            log.info("HTTP reverse proxy on {} ({}, health check {}, cache {}), backends {}",
                    running.server().localAddress(), parsed.backends.strategy(), check,
                    cache == null ? "off" : cacheBytes + " bytes", parsed.backends.backends());
            ProxyArgs.reportEvery(group.next(), 10, parsed.backends, log);
            running.server().closeFuture().join();
        });
    }
}
