package io.weft.examples.http;

import io.weft.bootstrap.Server;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.FileRegion;
import io.weft.codec.http.FullHttpResponse;
import io.weft.codec.http.HttpHeaderNames;
import io.weft.codec.http.HttpMethod;
import io.weft.codec.http.HttpRequest;
import io.weft.codec.http.HttpResponse;
import io.weft.codec.http.HttpResponseStatus;
import io.weft.codec.http.HttpServerCodec;
import io.weft.codec.http.HttpVersion;
import io.weft.codec.http.LastHttpContent;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Serves the files under a directory. Bodies go from the page cache to the socket with {@code transferTo}
 * (a {@link FileRegion} between the response head and its {@link LastHttpContent}): the file's bytes never pass
 * through the JVM heap. {@code GET} and {@code HEAD} only; no directory listings, no {@code Range}.
 *
 * <p>Usage: {@code HttpFileServer [directory [port]]} (default: the current directory, 8080).
 */
public final class HttpFileServer {

    /** Answers each request with the file its path names, or 404/403/405. */
    public static final class FileHandler implements Handler {
        private final Path root;

        /** @param root the directory served; nothing outside it is reachable */
        public FileHandler(Path root) {
            this.root = root.toAbsolutePath().normalize();
        }

        @Override
        public void channelRead(HandlerContext ctx, Object msg) throws IOException {
            if (msg instanceof HttpRequest request) {
                serve(ctx, request);
            }
            ReferenceCounted.safeRelease(msg);
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
            ctx.flush();
        }

        private void serve(HandlerContext ctx, HttpRequest request) throws IOException {
            if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
                ctx.write(error(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED));
                return;
            }
            Path file = resolve(request.path());
            if (file == null) {
                ctx.write(error(ctx, HttpResponseStatus.FORBIDDEN));
                return;
            }
            if (Files.isDirectory(file)) {
                file = file.resolve("index.html");
            }
            if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
                ctx.write(error(ctx, HttpResponseStatus.NOT_FOUND));
                return;
            }
            FileRegion region = FileRegion.of(file);
            HttpResponse response = new HttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            response.headers().add(HttpHeaderNames.CONTENT_LENGTH, region.count());
            response.headers().add(HttpHeaderNames.CONTENT_TYPE, contentType(file));
            ctx.write(response);
            if (request.method() == HttpMethod.GET) {
                ctx.write(region); // zero-copy body
            } else {
                region.release();
            }
            ctx.write(LastHttpContent.EMPTY);
        }

        /** The file a request path names, or {@code null} if it would leave the root. */
        Path resolve(String path) {
            String decoded = URLDecoder.decode(path, StandardCharsets.UTF_8);
            if (decoded.indexOf('\0') >= 0) {
                return null;
            }
            Path file = root.resolve(decoded.replaceFirst("^/+", "")).normalize();
            return file.startsWith(root) ? file : null;
        }
    }

    static FullHttpResponse error(HandlerContext ctx, HttpResponseStatus status) {
        FullHttpResponse response = new FullHttpResponse(HttpVersion.HTTP_1_1, status,
                ctx.alloc().copyOf(status + "\n", StandardCharsets.US_ASCII));
        response.headers().add(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=us-ascii");
        return response;
    }

    static String contentType(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".html") || name.endsWith(".htm")) {
            return "text/html; charset=utf-8";
        } else if (name.endsWith(".txt") || name.endsWith(".md")) {
            return "text/plain; charset=utf-8";
        } else if (name.endsWith(".css")) {
            return "text/css";
        } else if (name.endsWith(".js")) {
            return "text/javascript";
        } else if (name.endsWith(".json")) {
            return "application/json";
        } else if (name.endsWith(".png")) {
            return "image/png";
        } else if (name.endsWith(".jpg") || name.endsWith(".jpeg")) {
            return "image/jpeg";
        }
        return "application/octet-stream";
    }

    private HttpFileServer() {
    }

    /** Serves {@code root} on {@code host:port} with {@code group}. */
    public static Server start(EventLoopGroup group, Path root, String host, int port) {
        return Server.builder().group(group)
                .childHandler(ch -> ch.pipeline()
                        .addLast("http", new HttpServerCodec())
                        .addLast("files", new FileHandler(root)))
                .bind(host, port);
    }

    /** Starts the server and blocks until it is closed. */
    public static void main(String[] args) {
        Path root = Path.of(args.length > 0 ? args[0] : ".");
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 8080;
        EventLoopGroup group = new EventLoopGroup();
        Server server = start(group, root, "0.0.0.0", port);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            group.close();
        }));
        org.slf4j.LoggerFactory.getLogger(HttpFileServer.class).info("serving {} on {}", root.toAbsolutePath(),
                server.localAddress());
        server.closeFuture().join();
    }
}
