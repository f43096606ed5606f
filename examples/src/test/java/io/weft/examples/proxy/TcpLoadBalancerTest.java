package io.weft.examples.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.balance.BackendSet;
import io.weft.balance.HealthCheck;
import io.weft.bootstrap.Server;
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

    @Test
    void parsesTheCommandLineAndRejectsBadOnes() {
        ProxyArgs args = ProxyArgs.parse(new String[] {"8000", "weighted", "127.0.0.1:9001,5", "localhost:9002"});
        assertEquals(8000, args.port);
        assertEquals("weighted", args.backends.strategy().toString());
        assertEquals(5, args.backends.backends().get(0).weight());
        assertEquals(2, args.backends.size());
        assertThrows(IllegalArgumentException.class, () -> ProxyArgs.parse(new String[] {"8000", "weighted"}));
        assertThrows(IllegalArgumentException.class,
                () -> ProxyArgs.parse(new String[] {"x", "weighted", "127.0.0.1:1"}));
        assertThrows(IllegalArgumentException.class,
                () -> ProxyArgs.parse(new String[] {"8000", "random", "127.0.0.1:1"}));
        assertThrows(IllegalArgumentException.class,
                () -> ProxyArgs.parse(new String[] {"8000", "round-robin", "127.0.0.1"}));
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
            BackendSet backends = ProxyArgs.parse(argv.toArray(String[]::new)).backends;
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
