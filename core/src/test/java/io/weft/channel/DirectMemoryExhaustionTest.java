package io.weft.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.buffer.OutOfDirectMemoryException;
import io.weft.testing.ChildJvm;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

/**
 * Direct memory runs out while one connection hoards buffers: in a child JVM with little direct memory (the JVM's
 * own limit, or the pool's cap), that connection fails with {@link OutOfDirectMemoryException}, its buffers are
 * released, and the other connections and new ones are served as before.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DirectMemoryExhaustionTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        // The JVM's limit trips first (the pool's cap is set above it): OutOfMemoryError becomes the typed exception.
        "-XX:MaxDirectMemorySize=32m -Dweft.allocator.maxDirectMemory=1073741824",
        // The pool's cap trips first.
        "-Dweft.allocator.maxDirectMemory=16777216"})
    void exhaustionFailsOnlyTheHoardingConnection(String limit) throws Exception {
        try (ChildJvm child = ChildJvm.start(DirectMemoryChild.class, 0, List.of(limit.split(" ")))) {
            int port = Integer.parseInt(child.expect("PORT ", 60, TimeUnit.SECONDS));
            List<Socket> bystanders = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    Socket socket = connect(port);
                    bystanders.add(socket);
                    assertEchoes(socket, 1000 + i);
                }

                try (Socket hog = connect(port)) {
                    long sent = pushUntilClosed(hog, 512L << 20);
                    assertTrue(sent < 512L << 20, "the hog was never cut off after " + sent + " bytes");
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    String[] stats = stats(child);
                    while (stats.length < 3 && System.nanoTime() < deadline) {
                        stats = stats(child);
                    }
                    assertTrue(stats.length >= 3, "the hog connection saw no failure; stderr:\n" + child.stderr());
                    String expected = OutOfDirectMemoryException.class.getName()
                            + (limit.contains("MaxDirectMemorySize") ? "/OutOfMemoryError" : "");
                    assertEquals(expected, stats[2]);
                    assertEquals(3, stats.length, "only the hog connection failed");
                    assertClosedByPeer(hog);
                }

                // The hog's buffers were released, and everyone else is served.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                long used = Long.parseLong(stats(child)[0]);
                while (used > (2 << 20) && System.nanoTime() < deadline) {
                    used = Long.parseLong(stats(child)[0]);
                }
                assertTrue(used <= 2 << 20, used + " bytes still in use after the hog failed");
                for (int i = 0; i < bystanders.size(); i++) {
                    assertEchoes(bystanders.get(i), 64 * 1024 + i);
                }
                try (Socket fresh = connect(port)) {
                    assertEchoes(fresh, 256 * 1024);
                }
                long closeDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!stats(child)[1].equals("4") && System.nanoTime() < closeDeadline) {
                    Thread.onSpinWait();
                }
                assertEquals("4", stats(child)[1], "the server channel and the three bystanders remain");
            } finally {
                for (Socket socket : bystanders) {
                    socket.close();
                }
            }
        }
    }

    /** Writes 'H' and then zeros until the server cuts the connection off; returns the bytes written. */
    private static long pushUntilClosed(Socket socket, long limit) {
        byte[] chunk = new byte[64 * 1024];
        chunk[0] = 'H';
        long sent = 0;
        try {
            OutputStream out = socket.getOutputStream();
            while (sent < limit) {
                out.write(chunk);
                chunk[0] = 0;
                sent += chunk.length;
            }
        } catch (IOException expected) {
            // Reset or broken pipe: the server closed the connection.
        }
        return sent;
    }

    private static void assertClosedByPeer(Socket socket) throws IOException {
        socket.setSoTimeout(30_000);
        try {
            InputStream in = socket.getInputStream();
            byte[] sink = new byte[8192];
            while (in.read(sink) >= 0) {
                // Drain anything in flight; the server never writes to a hog.
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the hog connection was left open", e);
        } catch (IOException reset) {
            // A reset also means the server closed it.
        }
    }

    private static String[] stats(ChildJvm child) throws InterruptedException {
        return child.ask("stats", "STATS ").split(" ");
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setSoTimeout(30_000);
        return socket;
    }

    private static void assertEchoes(Socket socket, int size) throws IOException {
        byte[] sent = new byte[size];
        new Random(size).nextBytes(sent);
        sent[0] = 'e';
        Thread writer = new Thread(() -> {
            try {
                socket.getOutputStream().write(sent);
            } catch (IOException ignored) {
                // The read below fails then.
            }
        });
        writer.start();
        byte[] received = new byte[size];
        InputStream in = socket.getInputStream();
        int n = 0;
        while (n < size) {
            int r = in.read(received, n, size - n);
            if (r < 0) {
                throw new IOException("closed after " + n + " bytes");
            }
            n += r;
        }
        assertArrayEquals(sent, received);
    }
}
