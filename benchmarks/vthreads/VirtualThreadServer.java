import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The blocking, thread-per-connection server a team writes today instead of an event-loop framework: plain
 * {@code java.net} sockets, one virtual thread per connection (JDK 21+). The load scripts run it on the newest JDK
 * installed as a source-file program ({@code java VirtualThreadServer.java MODE PORT}), so it needs no build.
 *
 * <ul>
 *   <li>{@code echo PORT}: writes back what it reads (64 KiB reads).
 *   <li>{@code http PORT}: answers every request head with the same response as Weft's {@code HttpHelloServer}
 *       {@code /plaintext}; pipelined requests are answered in one write per read, like the event-loop servers.
 * </ul>
 * Binds 127.0.0.1. Requests are assumed to carry no body (wrk's GET), which is what is measured.
 */
public final class VirtualThreadServer {

    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH);
    private static volatile long second;
    private static volatile byte[] response = new byte[0];

    static byte[] response() {
        long s = System.currentTimeMillis() / 1000;
        if (s != second) {
            String date = FORMAT.format(ZonedDateTime.now(ZoneOffset.UTC));
            response = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nServer: vt\r\nDate: "
                    + date + "\r\n\r\nHello, World!").getBytes(StandardCharsets.US_ASCII);
            second = s;
        }
        return response;
    }

    static void echo(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) > 0; ) {
            out.write(buf, 0, n);
        }
    }

    static void http(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        byte[] buf = new byte[16 * 1024];
        byte[] batch = new byte[64 * 1024];
        int state = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            byte[] one = response();
            int m = 0;
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if ((state == 0 || state == 2) && b == '\r') {
                    state++;
                } else if ((state == 1 || state == 3) && b == '\n') {
                    state++;
                } else {
                    state = b == '\r' ? 1 : 0;
                }
                if (state == 4) {
                    state = 0;
                    if (m + one.length > batch.length) {
                        out.write(batch, 0, m);
                        m = 0;
                    }
                    System.arraycopy(one, 0, batch, m, one.length);
                    m += one.length;
                }
            }
            if (m > 0) {
                out.write(batch, 0, m);
            }
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2 || !(args[0].equals("echo") || args[0].equals("http"))) {
            System.err.println("usage: java VirtualThreadServer.java echo|http PORT");
            System.exit(2);
        }
        boolean http = args[0].equals("http");
        int port = Integer.parseInt(args[1]);
        try (ServerSocket server = new ServerSocket(port, 1024, InetAddress.getLoopbackAddress());
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            System.err.println("virtual-thread " + args[0] + " server listening on " + server.getLocalSocketAddress()
                    + " (" + Runtime.version() + ")");
            while (true) {
                Socket socket = server.accept();
                socket.setTcpNoDelay(true);
                threads.execute(() -> {
                    try (socket) {
                        if (http) {
                            http(socket);
                        } else {
                            echo(socket);
                        }
                    } catch (IOException e) {
                        // the peer went away: nothing to report in a load test
                    }
                });
            }
        }
    }
}
