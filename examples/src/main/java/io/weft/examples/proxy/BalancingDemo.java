package io.weft.examples.proxy;

import io.weft.balance.Backend;
import io.weft.balance.BackendSet;
import io.weft.balance.BalanceStrategy;
import io.weft.bootstrap.Server;
import io.weft.examples.Cli;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import io.weft.proxy.TcpProxy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Shows where each strategy sends connections: three echo backends that answer after 1, 5 and 20 ms, a
 * {@link TcpProxy} in front, 24 client threads making 3,000 short connections per strategy; prints a bar per
 * backend. The pictures in {@code docs/balancing.md} come from this program.
 *
 * <p>Usage: {@code BalancingDemo} (no arguments; everything runs on 127.0.0.1 and ephemeral ports).
 */
public final class BalancingDemo {

    private BalancingDemo() {
    }

    /** Runs the four strategies one after the other and prints the distribution of each. */
    public static void main(String[] args) {
        Cli.main("BalancingDemo", args, a -> {
            a.atMost(0);
            run();
        });
    }

    private static void run() throws Exception {
        EventLoopGroup group = new EventLoopGroup(2);
        int[] delays = {1, 5, 20};
        List<Server> servers = new ArrayList<>();
        for (int d : delays) {
            servers.add(Server.builder().group(group).childHandler(ch -> ch.pipeline().addLast(new Handler() {
                @Override
                public void channelRead(HandlerContext ctx, Object msg) {
                    ctx.loop().schedule(() -> ctx.writeAndFlush(msg), d, TimeUnit.MILLISECONDS);
                }
            })).bind("127.0.0.1", 0));
        }
        ExecutorService pool = Executors.newFixedThreadPool(24);
        for (String strategy : List.of("round-robin", "weighted", "least-connections", "power-of-two")) {
            BackendSet set = new BackendSet(BalanceStrategy.named(strategy));
            int[] weights = {1, 1, 1};
            if (strategy.equals("weighted")) weights = new int[] {5, 1, 1};
            for (int i = 0; i < 3; i++) set.add(new InetSocketAddress("127.0.0.1", servers.get(i).port()), weights[i]);
            Server proxy = Server.builder().group(group).childHandler(TcpProxy.builder(set).build()).bind("127.0.0.1", 0);
            List<Future<?>> fs = new ArrayList<>();
            for (int c = 0; c < 24; c++) {
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 125; i++) {
                        try (Socket s = new Socket("127.0.0.1", proxy.port())) {
                            s.getOutputStream().write(7);
                            if (s.getInputStream().read() != 7) throw new IOException("bad");
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
            long total = set.backends().stream().mapToLong(Backend::totalConnections).sum();
            System.out.println(strategy + " (" + total + " connections, 24 concurrent clients)");
            for (int i = 0; i < 3; i++) {
                Backend b = set.backends().get(i);
                long n = b.totalConnections();
                System.out.printf("  backend %c  w=%d  %2d ms  %5d  %-40s%n", 'A' + i, b.weight(), delays[i], n, "#".repeat((int) Math.round(40.0 * n / total)));
            }
            proxy.close();
        }
        pool.shutdown();
        for (Server s : servers) s.close();
        group.close();
    }
}
