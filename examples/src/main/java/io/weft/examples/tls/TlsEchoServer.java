package io.weft.examples.tls;

import io.weft.bootstrap.Server;
import io.weft.codec.tls.SelfSignedCertificate;
import io.weft.codec.tls.TlsContexts;
import io.weft.codec.tls.TlsHandler;
import io.weft.codec.tls.TlsHandshakeCompletionEvent;
import io.weft.examples.Cli;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Echoes every byte back over TLS (1.3 or 1.2). Without certificate arguments it generates a self-signed
 * certificate for {@code localhost} with the JDK's keytool and prints where the PEM files are. Talk to it with:
 *
 * <pre>
 * openssl s_client -connect 127.0.0.1:8443 -servername localhost -CAfile &lt;printed cert path&gt; -quiet
 * </pre>
 *
 * then type a line: it comes back. ({@code -quiet} hides the session dump; leave it out to see the protocol and
 * cipher; add {@code -tls1_2} to force TLS 1.2.)
 *
 * <p>Usage: {@code TlsEchoServer [port] [cert-chain.pem key.pem]} (default port 8443, listening on 127.0.0.1).
 */
public final class TlsEchoServer {

    private static final Logger log = LoggerFactory.getLogger(TlsEchoServer.class);

    /** Echoes bytes; logs the outcome of each handshake. */
    static final class EchoHandler implements Handler {
        @Override
        public void userEvent(HandlerContext ctx, Object event) {
            if (event instanceof TlsHandshakeCompletionEvent e) {
                if (e.isSuccess()) {
                    log.info("{}: {} with {}", ctx.channel().remoteAddress(), e.protocol(), e.cipherSuite());
                } else {
                    log.info("{}: handshake failed: {}", ctx.channel().remoteAddress(), e.cause().getMessage());
                }
            }
            ctx.fireUserEvent(event);
        }

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            ctx.write(msg); // plaintext in, plaintext out: the TlsHandler encrypts it
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            // A plaintext client, garbage or a failed handshake: the TlsHandler has already closed the connection.
            log.info("{}: {}", ctx.channel().remoteAddress(), cause.getMessage());
        }
    }

    private TlsEchoServer() {
    }

    /** Starts a TLS echo server on {@code host:port} with {@code context}; port 0 picks a free port. */
    public static Server start(EventLoopGroup group, String host, int port, SSLContext context) {
        TlsHandler.Builder tls = TlsHandler.server(context);
        return Server.builder().group(group)
                .childHandler(ch -> ch.pipeline().addLast("tls", tls.build()).addLast("echo", new EchoHandler()))
                .bind(host, port);
    }

    /** Starts the server and blocks until it is closed. */
    public static void main(String[] args) {
        Cli.main("TlsEchoServer [port [CHAIN.pem KEY.pem]]   (default 8443 with a generated self-signed certificate)",
                args, TlsEchoServer::run);
    }

    private static void run(Cli a) throws Exception {
        int port = a.atMost(3).port(0, 8443);
        if (a.has(1) && !a.has(2)) {
            a.required(2, "KEY.pem (give both CHAIN.pem and KEY.pem)");
        }
        SSLContext context;
        if (a.has(2)) {
            Path chain = a.existingFile(1, "CHAIN.pem");
            Path key = a.existingFile(2, "KEY.pem");
            try {
                context = TlsContexts.forServer(chain, key);
            } catch (java.io.IOException | java.security.GeneralSecurityException e) {
                throw new Cli.UsageException("cannot load " + chain + " and " + key + ": " + e.getMessage());
            }
        } else {
            Path dir = Files.createTempDirectory("weft-tls-example");
            SelfSignedCertificate cert = SelfSignedCertificate.generate(dir, "server", "localhost");
            context = cert.serverContext();
            log.info("generated a self-signed certificate for localhost: {}", cert.certificatePem());
            log.info("try: openssl s_client -connect 127.0.0.1:{} -servername localhost -CAfile {} -quiet", port,
                    cert.certificatePem());
        }
        EventLoopGroup group = new EventLoopGroup();
        Server server;
        try {
            server = start(group, "127.0.0.1", port, context);
        } catch (RuntimeException e) {
            group.close();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            group.close();
        }));
        log.info("TLS echo server listening on {}", server.localAddress());
        server.closeFuture().join();
    }
}
