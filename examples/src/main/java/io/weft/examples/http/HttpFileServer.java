package io.weft.examples.http;

import io.weft.bootstrap.Server;
import io.weft.codec.http.HttpServerCodec;
import io.weft.codec.http.StaticFileHandler;
import io.weft.loop.EventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.LoggerFactory;

/**
 * Serves the files under a directory with {@link StaticFileHandler}: ETags, conditional requests ({@code 304}),
 * byte ranges ({@code 206}/{@code 416}), {@code HEAD}, content types, index files, and bodies sent zero-copy with
 * {@code FileRegion}. Paths never leave the directory, symbolic links included.
 *
 * <p>Usage: {@code HttpFileServer [port [dir]]} (default 8080 and the current directory). Try
 * {@code curl -i http://127.0.0.1:8080/FILE}, {@code curl -r 0-99 ...}, {@code curl --head ...}.
 */
public final class HttpFileServer {

    static final String USAGE = "usage: HttpFileServer [port [dir]]   (default port 8080, dir: the current"
            + " directory)";

    private HttpFileServer() {
    }

    /** Serves {@code root} on {@code host:port} with {@code group}; {@code root} must be a directory. */
    public static Server start(EventLoopGroup group, Path root, String host, int port) {
        StaticFileHandler.Builder files = StaticFileHandler.builder(root).maxAge(Duration.ZERO);
        return Server.builder().group(group)
                .childHandler(ch -> ch.pipeline()
                        .addLast("http", new HttpServerCodec())
                        .addLast("files", files.build()))
                .bind(host, port);
    }

    /** The parsed command line, or an error message for the usage line. */
    record Arguments(int port, Path root, String error) {
        static Arguments parse(String[] args) {
            if (args.length > 2) {
                return new Arguments(0, null, "too many arguments");
            }
            int port = 8080;
            if (args.length > 0) {
                try {
                    port = Integer.parseInt(args[0]);
                } catch (NumberFormatException e) {
                    return new Arguments(0, null, "port '" + args[0] + "' is not a number");
                }
                if (port < 0 || port > 65535) {
                    return new Arguments(0, null, "port " + port + " is out of range 0-65535");
                }
            }
            Path root = Path.of(args.length > 1 ? args[1] : ".");
            if (!Files.exists(root)) {
                return new Arguments(0, null, "directory '" + root + "' does not exist");
            }
            if (!Files.isDirectory(root)) {
                return new Arguments(0, null, "'" + root + "' is not a directory");
            }
            return new Arguments(port, root, null);
        }
    }

    /** Starts the server and blocks until it is closed; a bad argument prints the usage line and exits 2. */
    public static void main(String[] args) {
        Arguments a = Arguments.parse(args);
        if (a.error() != null) {
            System.err.println("HttpFileServer: " + a.error());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        EventLoopGroup group = new EventLoopGroup();
        Server server;
        try {
            server = start(group, a.root(), "0.0.0.0", a.port());
        } catch (RuntimeException e) {
            group.close();
            System.err.println("HttpFileServer: cannot listen on port " + a.port() + ": " + rootMessage(e));
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            group.close();
        }));
        LoggerFactory.getLogger(HttpFileServer.class).info("serving {} on {}", a.root().toAbsolutePath(),
                server.localAddress());
        server.closeFuture().join();
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage() != null ? c.getMessage() : c.toString();
    }
}
