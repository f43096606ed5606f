package io.weft.codec.tls;

import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.concurrent.CompletableFuture;

/**
 * Certificates for the TLS tests, generated once per test JVM with the JDK's keytool into a temporary directory
 * (see {@link SelfSignedCertificate}): {@link #server()} for CN=localhost (SAN localhost, 127.0.0.1), a second,
 * unrelated {@link #untrusted()} one, and a {@link #clientCert()} for client authentication.
 */
final class TlsTestSupport {

    private static Path directory;
    private static SelfSignedCertificate server;
    private static SelfSignedCertificate untrusted;
    private static SelfSignedCertificate clientCert;

    private TlsTestSupport() {
    }

    static synchronized Path directory() {
        if (directory == null) {
            try {
                directory = Files.createTempDirectory("weft-tls-test");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            directory.toFile().deleteOnExit();
        }
        return directory;
    }

    static synchronized SelfSignedCertificate server() {
        if (server == null) {
            server = generate("server", "localhost");
        }
        return server;
    }

    static synchronized SelfSignedCertificate untrusted() {
        if (untrusted == null) {
            untrusted = generate("untrusted", "localhost");
        }
        return untrusted;
    }

    static synchronized SelfSignedCertificate clientCert() {
        if (clientCert == null) {
            clientCert = generate("client", "weft-test-client");
        }
        return clientCert;
    }

    private static SelfSignedCertificate generate(String name, String cn) {
        try {
            SelfSignedCertificate c = SelfSignedCertificate.generate(directory(), name, cn);
            for (Path p : new Path[] {c.keyStore(), c.certificatePem(), c.privateKeyPem()}) {
                p.toFile().deleteOnExit();
            }
            return c;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("could not generate a test certificate: " + e, e);
        }
    }

    /** Records what happens to one connection: the handshake event, the first exception, the close. */
    static final class Probe implements Handler {
        final CompletableFuture<TlsHandshakeCompletionEvent> handshake = new CompletableFuture<>();
        final CompletableFuture<Throwable> error = new CompletableFuture<>();
        final CompletableFuture<Void> inactive = new CompletableFuture<>();
        volatile TlsHandler tls;

        @Override
        public void handlerAdded(HandlerContext ctx) {
            tls = ctx.pipeline().get(TlsHandler.class);
        }

        @Override
        public void userEvent(HandlerContext ctx, Object event) {
            if (event instanceof TlsHandshakeCompletionEvent e) {
                handshake.complete(e);
            }
            ctx.fireUserEvent(event);
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            error.complete(cause);
        }

        @Override
        public void channelInactive(HandlerContext ctx) {
            inactive.complete(null);
            ctx.fireChannelInactive();
        }
    }
}
