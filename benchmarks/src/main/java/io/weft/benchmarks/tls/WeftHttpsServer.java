package io.weft.benchmarks.tls;

import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.codec.http.FullHttpResponse;
import io.weft.codec.http.HttpDecoderConfig;
import io.weft.codec.http.HttpHeaderNames;
import io.weft.codec.http.HttpHeaders;
import io.weft.codec.http.HttpRequest;
import io.weft.codec.http.HttpResponseStatus;
import io.weft.codec.http.HttpServerCodec;
import io.weft.codec.http.HttpServerConfig;
import io.weft.codec.http.HttpVersion;
import io.weft.codec.tls.TlsContexts;
import io.weft.codec.tls.TlsHandler;
import io.weft.codec.tls.TlsHandshakeCompletionEvent;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.nio.file.Path;
import java.security.Provider;
import javax.net.ssl.SSLContext;

/**
 * The Weft side of {@code benchmarks/https-wrk.sh}: the HTTP hello routes behind a {@link TlsHandler}, TLS 1.3 with
 * {@code TLS_AES_128_GCM_SHA256} only (on Conscrypt: BoringSSL's fixed TLS 1.3 order), on the JDK's provider or on Conscrypt (BoringSSL inside a Java provider).
 * Conscrypt is a dependency of the benchmarks module only: the TLS handler drives any {@code SSLEngine}, so an
 * application opts in by building its {@code SSLContext} from the provider, and the core never needs it.
 *
 * <p>Routes: {@code /plaintext} (13 bytes) and {@code /bulk} ({@value HttpsRoutes#BULK_BYTES} bytes).
 *
 * <p>Usage: {@code WeftHttpsServer PORT THREADS jdk|conscrypt CERT.pem KEY.pem}; binds 127.0.0.1.
 */
public final class WeftHttpsServer {

    private static final java.util.concurrent.atomic.AtomicBoolean FIRST_FAILURE =
            new java.util.concurrent.atomic.AtomicBoolean();

    /** Answers each request as it arrives, flushes once per read batch. */
    static final class Routes implements Handler {
        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request) {
                boolean bulk = request.path().equals("/bulk");
                byte[] body = bulk ? HttpsRoutes.BULK : HttpsRoutes.PLAINTEXT;
                Buffer content = ctx.alloc().allocate(body.length).writeBytes(body);
                FullHttpResponse response = new FullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, content);
                HttpHeaders h = response.headers();
                h.add(HttpHeaderNames.CONTENT_TYPE, bulk ? "application/octet-stream" : "text/plain");
                h.add(HttpHeaderNames.CONTENT_LENGTH, body.length);
                h.add(HttpHeaderNames.SERVER, "weft");
                h.add(HttpHeaderNames.DATE, HttpsRoutes.date());
                ctx.write(response);
            }
            ReferenceCounted.safeRelease(msg);
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void userEvent(HandlerContext ctx, Object event) {
            if (event instanceof TlsHandshakeCompletionEvent e && e.isSuccess()) {
                HttpsRoutes.logHandshake(e.protocol(), e.cipherSuite());
            }
            ctx.fireUserEvent(event);
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            if (FIRST_FAILURE.compareAndSet(false, true)) { // one line, so a broken set-up is visible in the log
                System.err.println("first connection failure: " + cause);
            }
            ctx.close();
        }
    }

    private WeftHttpsServer() {
    }

    static SSLContext context(String provider, Path cert, Path key) throws Exception {
        switch (provider) {
            case "jdk":
                return TlsContexts.forServer(cert, key);
            case "conscrypt":
                // The key in Conscrypt's own (native) form, handed over as it is: not re-parsed per handshake.
                Provider conscrypt = org.conscrypt.Conscrypt.newProvider();
                return TlsContexts.forServer(cert, key, conscrypt);
            default:
                throw new IllegalArgumentException("provider must be jdk or conscrypt, not " + provider);
        }
    }

    /** Starts the server and blocks until the process is killed. */
    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: WeftHttpsServer PORT THREADS jdk|conscrypt CERT.pem KEY.pem");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        int threads = Integer.parseInt(args[1]);
        SSLContext context = context(args[2], Path.of(args[3]), Path.of(args[4]));
        TlsHandler.Builder tls = TlsHandler.server(context).protocols(HttpsRoutes.PROTOCOL);
        if (args[2].equals("conscrypt")) {
            // Conscrypt issues no session tickets unless asked; the JDK's engine and Netty's BoringSSL do (two per
            // connection), and wrk resumes with one on its next connection. Same footing for the handshake cell.
            tls.engineConfigurator(engine -> org.conscrypt.Conscrypt.setUseSessionTickets(engine, true));
        } else {
            // BoringSSL's TLS 1.3 suites are fixed: Conscrypt takes a list of TLS 1.3 names as "no TLS 1.2 suite" and
            // then fails every handshake (NO_CERTIFICATE_SET). https-wrk.sh prints the suite each server negotiates.
            tls.cipherSuites(HttpsRoutes.CIPHER);
        }
        EventLoopGroup group = new EventLoopGroup(threads);
        Server server = Server.builder().group(group)
                .childHandler(ch -> ch.pipeline().addLast("tls", tls.build())
                        // No cap on requests per connection, as Netty's server has none (the default closes a
                        // connection after 100,000 requests, which a pipelined cell reaches within seconds).
                        .addLast("http", new HttpServerCodec(HttpDecoderConfig.DEFAULT,
                                HttpServerConfig.DEFAULT.withMaxRequestsPerConnection(Integer.MAX_VALUE)))
                        .addLast("routes", new Routes()))
                .bind("127.0.0.1", port);
        System.err.println("Weft HTTPS server (" + context.getProvider().getName() + ") listening on "
                + server.localAddress() + " with " + threads + " loops");
        server.closeFuture().join();
    }
}
