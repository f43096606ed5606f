package io.weft.examples.ops;

import io.weft.bootstrap.Server;
import io.weft.examples.Cli;
import io.weft.loop.EventLoopGroup;
import io.weft.metrics.ChannelStats;
import io.weft.metrics.LoopStats;
import io.weft.metrics.TrafficMetrics;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An echo server that prints a live, netstat-like table of its connections every second: remote address, age,
 * receive and send rates over the last interval and totals, then one line per event loop (pending tasks, keys per
 * wake-up, mean and largest loop lag).
 *
 * <p>Usage: {@code NetstatServer [port]} (default 8007). Try a few {@code nc 127.0.0.1 8007}.
 */
public final class NetstatServer {

    private NetstatServer() {
    }

    /** Echoes bytes back. */
    static final class Echo implements Handler {
        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
            ctx.flush();
        }
    }

    /** Binds {@code host:port}; {@code metrics} sees every connection. */
    public static Server start(EventLoopGroup group, String host, int port, TrafficMetrics metrics) {
        metrics.monitor("workers", group);
        return Server.builder().group(group)
                .childHandler(ch -> ch.pipeline()
                        .addLast("traffic", metrics.newTrafficHandler())
                        .addLast("echo", new Echo()))
                .bind(host, port);
    }

    /**
     * Renders the table; {@code previous} maps channel id to the byte totals of the last call (updated here) and
     * {@code seconds} is the time since then.
     */
    static String table(TrafficMetrics metrics, Map<Long, long[]> previous, double seconds) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-6s %-40s %7s %12s %12s %12s %12s%n",
                "ID", "REMOTE", "AGE s", "IN B/s", "OUT B/s", "IN total", "OUT total"));
        Map<Long, long[]> now = new HashMap<>();
        long wall = System.currentTimeMillis();
        for (ChannelStats c : metrics.channels()) {
            long in = c.bytesRead();
            long out = c.bytesWritten();
            long[] before = previous.getOrDefault(c.channelId(), new long[2]);
            now.put(c.channelId(), new long[] {in, out});
            sb.append(String.format("%-6d %-40s %7d %12.0f %12.0f %12d %12d%n", c.channelId(),
                    c.remoteAddress(), (wall - c.openedAtMillis()) / 1000,
                    (in - before[0]) / seconds, (out - before[1]) / seconds, in, out));
        }
        previous.clear();
        previous.putAll(now);
        sb.append(String.format("connections: %d open, %d opened, %d closed; %d B in, %d B out%n",
                metrics.activeConnections(), metrics.connectionsOpened(), metrics.connectionsClosed(),
                metrics.bytesRead(), metrics.bytesWritten()));
        for (LoopStats l : metrics.loops()) {
            long n = l.lag().count();
            sb.append(String.format("loop %s/%d: %d channels, %d pending, %.2f keys/wake-up, lag mean %.3f ms, "
                    + "max %.3f ms%n", l.group(), l.index(), l.channelCount(), l.pendingTasks(),
                    l.selectedKeysPerWakeup(), n == 0 ? 0 : l.lag().sumSeconds() / n * 1e3,
                    l.lag().maxSeconds() * 1e3));
        }
        return sb.toString();
    }

    /** Starts the server and prints the table every second until it is stopped. */
    public static void main(String[] args) {
        Cli.main(USAGE, args, a -> serve(a.atMost(1).port(0, 8007)));
    }

    static final String USAGE = "NetstatServer [port]   (default 8007; 0 picks a free port)";

    private static void serve(int port) {
        EventLoopGroup group = new EventLoopGroup();
        TrafficMetrics metrics = new TrafficMetrics("netstat");
        Server server;
        try {
            server = start(group, "0.0.0.0", port, metrics);
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
        Map<Long, long[]> previous = new HashMap<>();
        long[] last = {System.nanoTime()};
        // A loop timer, not a thread of its own: print from the first worker loop every second.
        Runnable[] print = new Runnable[1];
        print[0] = () -> {
            long t = System.nanoTime();
            System.out.print("\033[H\033[2J" + table(metrics, previous, (t - last[0]) / 1e9));
            System.out.flush();
            last[0] = t;
            if (!group.isTerminated()) {
                group.next().schedule(print[0], 1, TimeUnit.SECONDS);
            }
        };
        group.next().schedule(print[0], 1, TimeUnit.SECONDS);
        server.closeFuture().join();
    }
}
