package io.weft.examples.http;

import io.weft.bootstrap.Server;
import io.weft.codec.http.HttpServerCodec;
import io.weft.codec.http.StaticFileHandler;
import io.weft.examples.Cli;
import io.weft.loop.EventLoopGroup;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.LoggerFactory;

/**
 * Serves the files under a directory with {@link StaticFileHandler}: ETags, conditional requests ({@code 304}),
 * byte ranges ({@code 206}/{@code 416}), {@code HEAD}, content types, index files, and bodies sent zero-copy with
 * {@code FileRegion}. Paths never leave the directory, symbolic links included.
 *
 * <p>Usage: {@code HttpFileServer [port [dir]]} (default 8080 and the current directory). A missing or
 * non-directory {@code dir}, a bad or busy port print an error and the usage line on stderr and exit with
 * status 2. Try {@code curl -i http://127.0.0.1:8080/FILE}, {@code curl -r 0-99 ...}, {@code curl --head ...}.
 */
public final class HttpFileServer {

    static final String USAGE = "HttpFileServer [port [dir]]   (defaults 8080 and the current directory; port 0"
            + " picks a free port)";

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

    /** Starts the server and blocks until it is closed; a bad argument prints the usage line and exits 2. */
    public static void main(String[] args) {
        Cli.main(USAGE, args, a -> {
            int port = a.atMost(2).port(0, 8080);
            Path root = a.existingDirectory(1, ".");
            EventLoopGroup group = new EventLoopGroup();
            Server server;
            try {
                server = start(group, root, "0.0.0.0", port);
            } catch (RuntimeException e) {
                group.close();
                throw e;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                group.close();
            }));
            LoggerFactory.getLogger(HttpFileServer.class).info("serving {} on {}", root.toAbsolutePath(),
                    server.localAddress());
            server.closeFuture().join();
        });
    }
}
