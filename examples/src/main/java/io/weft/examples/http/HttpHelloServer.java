package io.weft.examples.http;

import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.codec.http.FullHttpResponse;
import io.weft.codec.http.HttpDecoderConfig;
import io.weft.codec.http.HttpHeaderNames;
import io.weft.codec.http.HttpHeaders;
import io.weft.codec.http.HttpMethod;
import io.weft.codec.http.HttpRequest;
import io.weft.codec.http.HttpResponseStatus;
import io.weft.codec.http.HttpServerCodec;
import io.weft.codec.http.HttpServerConfig;
import io.weft.codec.http.HttpVersion;
import io.weft.buffer.ReferenceCounted;
import io.weft.examples.Cli;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.nio.charset.StandardCharsets;

/**
 * The TechEmpower-style hello world: {@code GET /plaintext} answers {@code Hello, World!}, {@code GET /json}
 * answers {@code {"message":"Hello, World!"}}, anything else 404. Pipelined requests are answered in order and
 * flushed once per read batch.
 *
 * <p>Usage: {@code HttpHelloServer [port [threads [maxRequestsPerConnection]]]} (default 8080, one loop per
 * processor, and {@link HttpServerConfig#DEFAULT}'s 100,000 requests before a connection is closed; load tests that
 * compare with servers without such a cap pass {@code 2147483647}). Try
 * {@code curl http://127.0.0.1:8080/plaintext}.
 */
public final class HttpHelloServer {

    private static final byte[] PLAINTEXT = "Hello, World!".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NOT_FOUND = "Not Found\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NOT_ALLOWED = "Method Not Allowed\n".getBytes(StandardCharsets.US_ASCII);

    /** Answers each request as it arrives; bodies of requests are ignored (released). */
    public static final class HelloHandler implements Handler {
        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request) {
                ctx.write(respond(ctx, request));
            }
            ReferenceCounted.safeRelease(msg);
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
            ctx.flush();
        }
    }

    static FullHttpResponse respond(HandlerContext ctx, HttpRequest request) {
        String path = request.path();
        byte[] body;
        String type;
        HttpResponseStatus status = HttpResponseStatus.OK;
        if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
            status = HttpResponseStatus.METHOD_NOT_ALLOWED;
            body = NOT_ALLOWED;
            type = "text/plain";
        } else if (path.equals("/plaintext")) {
            body = PLAINTEXT;
            type = "text/plain";
        } else if (path.equals("/json")) {
            body = Json.message("Hello, World!");
            type = "application/json";
        } else {
            status = HttpResponseStatus.NOT_FOUND;
            body = NOT_FOUND;
            type = "text/plain";
        }
        Buffer content = ctx.alloc().allocate(body.length).writeBytes(body);
        FullHttpResponse response = new FullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        HttpHeaders h = response.headers();
        h.add(HttpHeaderNames.CONTENT_TYPE, type);
        h.add(HttpHeaderNames.CONTENT_LENGTH, body.length);
        h.add(HttpHeaderNames.SERVER, "weft");
        // No date field: HttpServerCodec adds one to every response, reading the clock once per read batch.
        if (status == HttpResponseStatus.METHOD_NOT_ALLOWED) {
            h.add(HttpHeaderNames.ALLOW, "GET, HEAD"); // a 405 must say what is allowed (RFC 9110 section 15.5.6)
        }
        return response;
    }

    /** A minimal JSON writer for the one object this example serves. */
    static final class Json {
        static byte[] message(String text) {
            StringBuilder sb = new StringBuilder("{\"message\":\"");
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '"' || c == '\\') {
                    sb.append('\\').append(c);
                } else if (c < 0x20) {
                    sb.append(String.format("\\u%04x", (int) c));
                } else {
                    sb.append(c);
                }
            }
            return sb.append("\"}").toString().getBytes(StandardCharsets.UTF_8);
        }

        private Json() {
        }
    }

    private HttpHelloServer() {
    }

    /** Binds {@code host:port} with {@code group} serving connections, with the codec's default settings. */
    public static Server start(EventLoopGroup group, String host, int port) {
        return start(group, host, port, HttpServerConfig.DEFAULT);
    }

    /** Binds {@code host:port} with {@code group} serving connections as {@code config} says. */
    public static Server start(EventLoopGroup group, String host, int port, HttpServerConfig config) {
        return Server.builder().group(group)
                .childHandler(ch -> ch.pipeline()
                        .addLast("http", new HttpServerCodec(HttpDecoderConfig.DEFAULT, config))
                        .addLast("hello", new HelloHandler()))
                .bind(host, port);
    }

    /** Starts the server and blocks until it is closed. */
    public static void main(String[] args) {
        Cli.main("HttpHelloServer [port [threads [maxRequestsPerConnection]]]   (defaults 8080, one loop per "
                + "processor, 100000)", args, a -> {
            int port = a.atMost(3).port(0, 8080);
            int threads = a.integer(1, "threads", Runtime.getRuntime().availableProcessors(), 1, 1024);
            int maxRequests = a.integer(2, "maxRequestsPerConnection",
                    HttpServerConfig.DEFAULT.maxRequestsPerConnection(), 1, Integer.MAX_VALUE);
            EventLoopGroup group = new EventLoopGroup(threads);
            Server server;
            try {
                server = start(group, "0.0.0.0", port,
                        HttpServerConfig.DEFAULT.withMaxRequestsPerConnection(maxRequests));
            } catch (RuntimeException e) {
                group.close();
                throw e;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                group.close();
            }));
            org.slf4j.LoggerFactory.getLogger(HttpHelloServer.class).info(
                    "HTTP hello server listening on {} with {} loops", server.localAddress(), threads);
            server.closeFuture().join();
        });
    }
}
