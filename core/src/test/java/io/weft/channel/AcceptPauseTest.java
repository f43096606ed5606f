package io.weft.channel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.testing.ChildJvm;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Accept under "Too many open files": a server in a child JVM with a low open-file limit pauses accepting instead of
 * spinning on the failing {@code accept}, and accepts again once descriptors are free.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AcceptPauseTest {

    private static final int PAUSE_MILLIS = 200;

    @Test
    void acceptFailurePausesAcceptingAndResumesWhenDescriptorsFree() throws Exception {
        try (ChildJvm child = ChildJvm.start(AcceptPauseChild.class, 128,
                List.of("-Dweft.acceptPauseMillis=" + PAUSE_MILLIS))) {
            int port = Integer.parseInt(child.expect("PORT ", 60, TimeUnit.SECONDS));
            // Warm the server up like one that has been serving: the child loads its classes from directories, and
            // under "too many open files" a class loader cannot open a class file it has not loaded yet.
            try (Socket warmUp = connect(port)) {
                warmUp.setSoTimeout(10_000);
                assertEchoes(warmUp);
            }
            long warmDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (stats(child)[2] != 1 && System.nanoTime() < warmDeadline) {
                Thread.onSpinWait();
            }
            List<Socket> sockets = new ArrayList<>();
            try {
                long[] stats = stats(child);
                for (int i = 0; i < 1000 && stats[0] == 0; i++) {
                    sockets.add(connect(port));
                    if (i % 8 == 7) {
                        stats = stats(child);
                    }
                }
                assertTrue(stats[0] > 0, "could not exhaust the child's descriptors with " + sockets.size()
                        + " connections: " + Arrays.toString(stats));
                // A few more wait in the backlog, so every resumed accept fails again while we watch.
                for (int i = 0; i < 4; i++) {
                    sockets.add(connect(port));
                }

                // Watch a few pauses go by: a spinning server fails thousands of times in the same time.
                long[] before = stats(child);
                long started = System.nanoTime();
                long deadline = started + TimeUnit.SECONDS.toNanos(30);
                long[] after = stats(child);
                while (after[1] - before[1] < 3 && System.nanoTime() < deadline) {
                    Thread.sleep(PAUSE_MILLIS);
                    after = stats(child);
                }
                long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                long allowed = elapsedMillis / PAUSE_MILLIS + 3;
                long failures = after[0] - before[0];
                long pauses = after[1] - before[1];
                assertTrue(pauses >= 3, "accepting was not retried: " + pauses + " pauses in " + elapsedMillis + " ms; stderr:\n" + child.stderr());
                assertTrue(failures <= allowed, failures + " accept failures in " + elapsedMillis
                        + " ms: the server spins instead of pausing");
            } finally {
                for (Socket socket : sockets) {
                    socket.close();
                }
            }

            // With descriptors free again, a new connection is accepted and served.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            IOException last = null;
            while (System.nanoTime() < deadline) {
                try (Socket socket = connect(port)) {
                    socket.setSoTimeout(5_000);
                    assertEchoes(socket);
                    return;
                } catch (IOException e) {
                    last = e;
                }
            }
            throw new AssertionError("accepting did not resume; stderr:\n" + child.stderr(), last);
        }
    }

    private static long[] stats(ChildJvm child) throws InterruptedException {
        return Arrays.stream(child.ask("stats", "STATS ").split(" ")).mapToLong(Long::parseLong).toArray();
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        return socket;
    }

    private static void assertEchoes(Socket socket) throws IOException {
        byte[] sent = "ping".getBytes(StandardCharsets.US_ASCII);
        socket.getOutputStream().write(sent);
        InputStream in = socket.getInputStream();
        byte[] received = new byte[sent.length];
        int n = 0;
        while (n < sent.length) {
            int r = in.read(received, n, sent.length - n);
            if (r < 0) {
                throw new IOException("closed after " + n + " bytes");
            }
            n += r;
        }
        if (!Arrays.equals(sent, received)) {
            throw new AssertionError("echo mismatch");
        }
    }
}
