package io.weft.examples.proxy;

import io.weft.balance.BackendSet;
import io.weft.balance.HealthCheck;
import io.weft.balance.HealthChecker;
import io.weft.bootstrap.Server;
import io.weft.examples.Cli;
import io.weft.loop.EventLoopGroup;
import io.weft.proxy.TcpProxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP load balancer: spreads connections over backends, checks their health (a TCP connect every 2 s; down after
 * 3 failures, up after 2 successes), retries a refused connect on another backend and logs where connections went
 * every 10 s.
 *
 * <p>Usage: {@code TcpLoadBalancer PORT STRATEGY HOST:PORT[,WEIGHT]...} with STRATEGY one of {@code round-robin},
 * {@code weighted}, {@code least-connections}, {@code power-of-two}. Try it with three echo servers:
 * <pre>
 * java -cp weft-examples.jar io.weft.examples.echo.EchoServer 9001 &amp;   (and 9002, 9003)
 * java -cp weft-examples.jar io.weft.examples.proxy.TcpLoadBalancer 8000 weighted \
 *      127.0.0.1:9001,5 127.0.0.1:9002 127.0.0.1:9003
 * nc 127.0.0.1 8000
 * </pre>
 */
public final class TcpLoadBalancer {

    private static final Logger log = LoggerFactory.getLogger(TcpLoadBalancer.class);

    private TcpLoadBalancer() {
    }

    /** Starts the balancer on {@code port} of {@code host} with TCP health checks; the caller closes both. */
    static Running start(EventLoopGroup group, String host, int port, BackendSet backends, HealthCheck check) {
        Server server = Server.builder().group(group).childHandler(TcpProxy.builder(backends).build())
                .bind(host, port);
        return new Running(server, HealthChecker.start(backends, check, group));
    }

    /** A started balancer. */
    record Running(Server server, HealthChecker checker) implements AutoCloseable {
        @Override
        public void close() {
            checker.close();
            server.close();
        }
    }

    /** Parses the arguments, starts, reports every 10 s, and runs until killed. */
    public static void main(String[] args) {
        Cli.main(TcpLoadBalancer.class.getSimpleName() + " " + ProxyArgs.USAGE, args, a -> {
            ProxyArgs parsed = ProxyArgs.parse(a);
            EventLoopGroup group = new EventLoopGroup();
            Running running;
            try {
                running = start(group, "0.0.0.0", parsed.port, parsed.backends, HealthCheck.tcp());
            } catch (RuntimeException e) {
                group.close();
                throw e;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                running.close();
                group.close();
            }));
            log.info("TCP load balancer on {} ({}), backends {}", running.server().localAddress(),
                    parsed.backends.strategy(), parsed.backends.backends());
            ProxyArgs.reportEvery(group.next(), 10, parsed.backends, log);
            running.server().closeFuture().join();
        });
    }
}
