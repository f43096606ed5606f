package io.weft.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Server;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoopChooserTest {

    private final EventLoopGroup acceptor = new EventLoopGroup(1);
    private final EventLoopGroup workers = new EventLoopGroup(4, LoopChooser.leastConnections(), "lc");
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Socket socket : sockets) {
            socket.close();
        }
        workers.close();
        acceptor.close();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(5);
        }
    }

    private int total() {
        return workers.loops().stream().mapToInt(EventLoop::channelCount).sum();
    }

    @Test
    void leastConnectionsSpreadsEvenlyAndRefillsTheEmptiestLoop() throws Exception {
        // Which loop each accepted connection landed on, keyed by the client's local port.
        Map<Integer, EventLoop> loopByClientPort = new ConcurrentHashMap<>();
        try (Server server = Server.builder().group(acceptor, workers)
                .childHandler(ch -> loopByClientPort.put(((java.net.InetSocketAddress) ch.remoteAddress()).getPort(),
                        ch.loop()))
                .bind("127.0.0.1", 0)) {
            for (int i = 0; i < 100; i++) {
                Socket socket = new Socket();
                socket.connect(server.localAddress(), 5000);
                sockets.add(socket);
            }
            await(() -> total() == 100 && loopByClientPort.size() == 100, "100 connections are registered");
            for (EventLoop loop : workers.loops()) {
                int count = loop.channelCount();
                assertTrue(Math.abs(count - 25) <= 1, "loop has " + count + " channels, expected 25 +- 1");
            }

            // Close 10 connections that live on loop 2: it becomes the emptiest and must get the next ones.
            EventLoop target = workers.loops().get(2);
            int closed = 0;
            for (Socket socket : new ArrayList<>(sockets)) {
                if (closed < 10 && loopByClientPort.get(socket.getLocalPort()) == target) {
                    socket.close();
                    sockets.remove(socket);
                    closed++;
                }
            }
            assertEquals(10, closed);
            await(() -> target.channelCount() == 15, "loop 2 is down to 15 channels");

            for (int i = 0; i < 10; i++) {
                Socket socket = new Socket();
                socket.connect(server.localAddress(), 5000);
                sockets.add(socket);
                int port = socket.getLocalPort();
                await(() -> loopByClientPort.containsKey(port), "the new connection is registered");
                assertSame(target, loopByClientPort.get(port), "new connection " + i + " not on the emptiest loop");
            }
            for (EventLoop loop : workers.loops()) {
                assertEquals(25, loop.channelCount());
            }
        }
    }

    @Test
    void roundRobinCyclesThroughLoops() {
        LoopChooser chooser = LoopChooser.roundRobin();
        List<EventLoop> loops = workers.loops();
        for (int i = 0; i < 12; i++) {
            assertSame(loops.get(i % 4), chooser.choose(loops));
        }
    }
}
