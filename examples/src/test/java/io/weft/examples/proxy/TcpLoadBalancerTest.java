package io.weft.examples.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.balance.BackendSet;
import io.weft.balance.HealthCheck;
import io.weft.bootstrap.Server;
import io.weft.examples.Cli;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TcpLoadBalancerTest {

    /** Parses {@code args} as the examples do; fails the test with the error output if they are rejected. */
    static ProxyArgs parse(String... args) {
        ProxyArgs[] parsed = new ProxyArgs[1];
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int status = Cli.run("test", args, new java.io.PrintStream(err, true), a -> parsed[0] = ProxyArgs.parse(a));
        assertEquals(0, status, err.toString());
        return parsed[0];
    }

    private static String rejected(String... args) {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int status = Cli.run("test", args, new java.io.PrintStream(err, true), ProxyArgs::parse);
        assertEquals(Cli.USAGE, status);
        return err.toString();
    }

    @Test
    void parsesTheCommandLineAndRejectsBadOnes() {
        ProxyArgs args = parse("8000", "weighted", "127.0.0.1:9001,5", "localhost:9002");
        assertEquals(8000, args.port);
        assertEquals("weighted", args.backends.strategy().toString());
        assertEquals(5, args.backends.backends().get(0).weight());
        assertEquals(2, args.backends.size());
        assertTrue(rejected("8000", "weighted").contains("missing HOST:PORT"));
        assertTrue(rejected("x", "weighted", "127.0.0.1:1").contains("bad port 'x'"));
        assertTrue(rejected("8000", "random", "127.0.0.1:1").contains("unknown strategy 'random'"));
        assertTrue(rejected("8000", "round-robin", "127.0.0.1").contains("is not HOST:PORT"));
        assertTrue(rejected("8000", "round-robin", "no-such-host.invalid:80").contains("unknown host"));
    }

    @Test
    void balancesEchoServersByWeight() throws Exception {
        List<Server> echoes = new ArrayList<>();
        List<AtomicInteger> accepted = new ArrayList<>();
        try (EventLoopGroup group = new EventLoopGroup(2)) {
          try {
            List<String> specs = new ArrayList<>();
            int[] weights = {5, 1, 1};
            for (int i = 0; i < 3; i++) {
                AtomicInteger count = new AtomicInteger();
                accepted.add(count);
                Server echo = Server.builder().group(group).childHandler(ch -> ch.pipeline().addLast(new Handler() {
                    @Override
                    public void channelActive(HandlerContext ctx) {
                        count.incrementAndGet();
                    }

                    @Override
                    public void channelRead(HandlerContext ctx, Object msg) {
                        ctx.writeAndFlush(msg);
                    }
                })).bind("127.0.0.1", 0);
                echoes.add(echo);
                specs.add("127.0.0.1:" + echo.port() + "," + weights[i]);
            }
            List<String> argv = new ArrayList<>(List.of("0", "weighted"));
            argv.addAll(specs);
            BackendSet backends = parse(argv.toArray(String[]::new)).backends;
            HealthCheck check = HealthCheck.tcp().withInterval(Duration.ofMillis(200));
            try (TcpLoadBalancer.Running lb = TcpLoadBalancer.start(group, "127.0.0.1", 0, backends, check)) {
                for (int i = 0; i < 700; i++) {
                    try (Socket s = new Socket("127.0.0.1", lb.server().port())) {
                        s.setSoTimeout(10_000);
                        OutputStream out = s.getOutputStream();
                        out.write(i & 0x7f);
                        InputStream in = s.getInputStream();
                        assertEquals(i & 0x7f, in.read());
                    }
                }
                ProxyArgs.report(backends, LoggerFactory.getLogger(TcpLoadBalancerTest.class));
                // The echo servers also count health-check connections, so look at the proxy's own counts.
                assertEquals(500, backends.backends().get(0).totalConnections());
                assertEquals(100, backends.backends().get(1).totalConnections());
                assertEquals(100, backends.backends().get(2).totalConnections());
                assertTrue(accepted.get(1).get() >= 100);
            }
          } finally {
            for (Server echo : echoes) {
                echo.close();
            }
          }
        }
    }
}
