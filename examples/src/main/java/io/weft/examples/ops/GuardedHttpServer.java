package io.weft.examples.ops;

import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.ChannelOption;
import io.weft.codec.http.FullHttpResponse;
import io.weft.codec.http.HttpRequest;
import io.weft.codec.http.HttpResponseStatus;
import io.weft.codec.http.HttpServerCodec;
import io.weft.codec.http.HttpVersion;
import io.weft.examples.Cli;
import io.weft.codec.http.ops.BasicAuth;
import io.weft.codec.http.ops.CredentialVerifier;
import io.weft.codec.http.ops.PrometheusHttpHandler;
import io.weft.handler.access.IpFilter;
import io.weft.handler.access.IpRules;
import io.weft.loop.EventLoopGroup;
import io.weft.metrics.TrafficMetrics;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A hello server with the operations stages in front: an {@link IpFilter} that admits loopback peers only (and at
 * most 256 connections per address, 100 new ones per second per address), traffic metrics, HTTP Basic
 * authentication for every path except {@code /metrics}, Prometheus metrics at {@code /metrics}, and
 * {@code Hello, World!} at every other path.
 *
 * <p>Usage: {@code GuardedHttpServer PORT USER PASSWORD}. Try
 * {@code curl -u USER:PASSWORD http://127.0.0.1:PORT/} and {@code curl http://127.0.0.1:PORT/metrics}.
 */
public final class GuardedHttpServer {

    static final String USAGE = "GuardedHttpServer PORT USER PASSWORD   (0 picks a free port; USER without ':')";
    private static final byte[] HELLO = "Hello, World!\n".getBytes(StandardCharsets.US_ASCII);

    private GuardedHttpServer() {
    }

    /** Answers every request it sees with {@code Hello, World!}. */
    static final class Hello implements Handler {
        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest) {
                Buffer body = ctx.alloc().allocate(HELLO.length).writeBytes(HELLO);
                FullHttpResponse r = new FullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
                r.headers().add("content-type", "text/plain; charset=utf-8");
                ctx.write(r);
            }
            ReferenceCounted.safeRelease(msg);
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
            ctx.flush();
        }
    }

    /** Binds {@code host:port} (port 0: any) serving with {@code group}; {@code metrics} collects the traffic. */
    public static Server start(EventLoopGroup group, String host, int port, String user, String password,
            TrafficMetrics metrics) {
        IpFilter filter = IpFilter.builder()
                .rules(IpRules.builder().allow("127.0.0.0/8").allow("::1").build()) // everything else: denied
                .maxConnectionsPerAddress(256)
                .connectionRatePerAddress(100, 200)
                .build();
        metrics.watch(filter).monitor("workers", group);
        BasicAuth auth = BasicAuth.builder("weft")
                .credentials(CredentialVerifier.of(user, password))
                .exemptPath("/metrics")
                .build();
        metrics.counter("weft_http_auth_rejected_total", "Requests refused for missing or wrong credentials.",
                        auth::rejected)
                .counter("weft_http_auth_malformed_total", "Requests refused for a malformed Authorization header.",
                        auth::malformed)
                .counter("weft_http_auth_authenticated_total", "Requests that passed with valid credentials.",
                        auth::authenticated);
        return Server.builder().group(group)
                .option(ChannelOption.ACCEPT_FILTER, filter)
                .childHandler(ch -> ch.pipeline()
                        .addLast("traffic", metrics.newTrafficHandler())
                        .addLast("http", new HttpServerCodec())
                        .addLast("messages", metrics.newMessageCounter())
                        .addLast("metrics", new PrometheusHttpHandler("/metrics", List.of(metrics)))
                        .addLast("auth", auth.newHandler())
                        .addLast("hello", new Hello()))
                .bind(host, port);
    }

    /**
     * Starts the server on all interfaces (or the address in system property {@code guarded.host}) and blocks
     * until it is closed. Bad arguments or a busy port: an {@code error:} and a {@code usage:} line, status 2.
     */
    public static void main(String[] args) {
        Cli.main(USAGE, args, a -> {
            a.atMost(3);
            a.required(0, "PORT");
            int port = a.port(0, 0);
            String user = a.required(1, "USER");
            if (user.indexOf(':') >= 0) {
                throw new Cli.UsageException("bad USER '" + user + "': a Basic user name cannot contain ':'");
            }
            String password = a.required(2, "PASSWORD");
            EventLoopGroup group = new EventLoopGroup();
            TrafficMetrics metrics = new TrafficMetrics("guarded");
            Server server;
            try {
                server = start(group, System.getProperty("guarded.host", "0.0.0.0"), port, user, password, metrics);
            } catch (RuntimeException e) {
                metrics.close();
                group.close();
                throw e;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                metrics.close();
                group.close();
            }));
            System.out.println("GuardedHttpServer listening on port " + server.port());
            System.out.flush();
            server.closeFuture().join();
        });
    }
}
