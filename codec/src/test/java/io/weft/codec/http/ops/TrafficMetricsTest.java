package io.weft.codec.http.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Server;
import io.weft.codec.TooLongFrameException;
import io.weft.codec.frame.LengthFieldFrameDecoder;
import io.weft.codec.frame.LengthFieldPrepender;
import io.weft.loop.EventLoopGroup;
import io.weft.metrics.ChannelStats;
import io.weft.metrics.LoopStats;
import io.weft.metrics.TrafficMetrics;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Traffic metrics against traffic the test generated, read through the Java API and JMX. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TrafficMetricsTest {

    private static final int MAX_FRAME = 64 * 1024;
    private static EventLoopGroup group;
    private TrafficMetrics metrics;
    private Server server;

    @BeforeAll
    static void startGroup() {
        group = new EventLoopGroup(2);
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

    /** Echoes each frame as a new frame. */
    private static final class FrameEcho implements Handler {
        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private int startFrameEcho(String name) {
        metrics = new TrafficMetrics(name);
        TrafficMetrics m = metrics;
        server = Server.builder().group(group)
                .childHandler(ch -> ch.pipeline()
                        .addLast("traffic", m.newTrafficHandler())
                        .addLast("decoder", new LengthFieldFrameDecoder(MAX_FRAME, 4))
                        .addLast("prepender", new LengthFieldPrepender(4))
                        .addLast("messages", m.newMessageCounter())
                        .addLast("echo", new FrameEcho()))
                .bind("127.0.0.1", 0);
        return server.port();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void countersMatchTheGeneratedTrafficExactly() throws Exception {
        int port = startFrameEcho("exact");
        int connections = 3;
        int frames = 200;
        long bytesPerConnection = 0;
        for (int i = 0; i < frames; i++) {
            bytesPerConnection += 4 + size(i);
        }
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int c = 0; c < connections; c++) {
                Socket s = new Socket("127.0.0.1", port);
                s.setSoTimeout(20_000);
                s.setTcpNoDelay(true);
                sockets.add(s);
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                DataInputStream in = new DataInputStream(s.getInputStream());
                for (int i = 0; i < frames; i++) {
                    byte[] body = new byte[size(i)];
                    body[body.length - 1] = (byte) i;
                    byte[] frame = new byte[4 + body.length];
                    java.nio.ByteBuffer.wrap(frame).putInt(body.length).put(body);
                    out.write(frame);
                    assertEquals(body.length, in.readInt());
                    byte[] echoed = in.readNBytes(body.length);
                    assertEquals((byte) i, echoed[body.length - 1]);
                }
            }
            // Everything is echoed: the open channels' counters are final.
            assertEquals(connections, metrics.activeConnections());
            List<ChannelStats> open = metrics.channels();
            assertEquals(connections, open.size());
            for (ChannelStats c : open) {
                assertEquals(bytesPerConnection, c.bytesRead());
                assertEquals(bytesPerConnection, c.bytesWritten());
                assertEquals(frames, c.messagesRead());
                assertEquals(frames, c.messagesWritten());
                assertEquals(0, c.errors());
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        await(() -> metrics.connectionsClosed() == connections, "all connections closed");
        assertEquals(connections, metrics.connectionsOpened());
        assertEquals(0, metrics.activeConnections());
        assertEquals(connections * bytesPerConnection, metrics.bytesRead());
        assertEquals(connections * bytesPerConnection, metrics.bytesWritten());
        assertEquals(connections * frames, metrics.messagesRead());
        assertEquals(connections * frames, metrics.messagesWritten());
        assertEquals(Map.of(), metrics.errors());
        assertTrue(metrics.channels().isEmpty(), "closed channels are forgotten");
    }

    private static int size(int i) {
        return 1 + (i * 997) % 5000;
    }

    @Test
    void countsErrorsByExceptionType() throws Exception {
        int port = startFrameEcho("errors");
        for (int i = 0; i < 2; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(20_000);
                new DataOutputStream(s.getOutputStream()).writeInt(MAX_FRAME * 2);
                assertEquals(-1, s.getInputStream().read(), "closed after the oversized frame");
            }
        }
        await(() -> metrics.connectionsClosed() == 2, "both connections closed");
        assertEquals(Map.of(TooLongFrameException.class.getName(), 2L), metrics.errors());
        assertEquals(2, metrics.errorCount());
        assertEquals(8, metrics.bytesRead());
        assertEquals(0, metrics.messagesRead());
    }

    @Test
    void exposesTrafficAndLoopsThroughThePlatformMBeanServer() throws Exception {
        int port = startFrameEcho("jmx \"test\"");
        metrics.monitor("workers", group, 5, TimeUnit.MILLISECONDS).registerMBeans();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(3);
            out.write(new byte[] {1, 2, 3});
            new DataInputStream(s.getInputStream()).readFully(new byte[7]);
        }
        await(() -> metrics.connectionsClosed() == 1, "connection closed");

        MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
        ObjectName traffic = new ObjectName("io.weft:type=Traffic,name=" + ObjectName.quote("jmx \"test\""));
        assertEquals(1L, mbs.getAttribute(traffic, "ConnectionsOpened"));
        assertEquals(1L, mbs.getAttribute(traffic, "ConnectionsClosed"));
        assertEquals(0L, mbs.getAttribute(traffic, "ActiveConnections"));
        assertEquals(7L, mbs.getAttribute(traffic, "BytesRead"));
        assertEquals(7L, mbs.getAttribute(traffic, "BytesWritten"));
        assertEquals(1L, mbs.getAttribute(traffic, "MessagesRead"));
        assertEquals(1L, mbs.getAttribute(traffic, "MessagesWritten"));
        assertEquals(0L, mbs.getAttribute(traffic, "ErrorCount"));

        assertEquals(2, metrics.loops().size());
        for (LoopStats loop : metrics.loops()) {
            ObjectName on = new ObjectName("io.weft:type=EventLoop,name=" + ObjectName.quote("jmx \"test\"")
                    + ",group=" + ObjectName.quote("workers") + ",loop=" + loop.index());
            await(() -> loop.lag().count() >= 5, "five lag probes on loop " + loop.index());
            assertTrue((Long) mbs.getAttribute(on, "LagCount") >= 5);
            assertTrue((Long) mbs.getAttribute(on, "TasksRun") >= 5, "the probes themselves are tasks");
            assertTrue((Long) mbs.getAttribute(on, "SelectCount") > 0);
            assertTrue((Double) mbs.getAttribute(on, "LagMeanSeconds") >= 0);
            assertTrue((Integer) mbs.getAttribute(on, "PendingTasks") >= 0);
        }
        long keys = 0;
        for (LoopStats loop : metrics.loops()) {
            keys += (Long) mbs.getAttribute(new ObjectName("io.weft:type=EventLoop,name="
                    + ObjectName.quote("jmx \"test\"") + ",group=\"workers\",loop=" + loop.index()), "SelectedKeys");
        }
        assertTrue(keys >= 2, "at least the accept and the read of the connection: " + keys);

        metrics.close();
        assertTrue(!mbs.isRegistered(traffic), "close() unregisters");
    }

    @Test
    void stopsProbingWhenClosed() throws Exception {
        metrics = new TrafficMetrics("probe");
        metrics.monitor("workers", group, 1, TimeUnit.MILLISECONDS);
        LoopStats loop = metrics.loops().get(0);
        await(() -> loop.lag().count() >= 3, "three probes");
        metrics.close();
        Thread.sleep(50); // a probe already running may still record once
        long after = loop.lag().count();
        Thread.sleep(100);
        assertEquals(after, loop.lag().count(), "no probe after close()");
    }

}
