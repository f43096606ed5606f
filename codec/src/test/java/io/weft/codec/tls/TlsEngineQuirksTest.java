package io.weft.codec.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.buffer.Buffer;
import io.weft.channel.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link TlsHandler} against engines that follow the {@link SSLEngine} contract differently from the JDK's, as other
 * providers do (Conscrypt's, on BoringSSL). Driven through an {@link EmbeddedChannel}, so the bytes arrive exactly in
 * the reads the test chooses.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsEngineQuirksTest {

    /**
     * Conscrypt's server answers the client's Finished with {@code NEED_WRAP}, then a wrap that produces nothing and
     * says {@code FINISHED} (its session tickets follow with the first application write). A request that arrived in
     * the same read as the Finished must be decrypted then and there: the client sends nothing more until answered.
     */
    @Test
    void decryptsDataThatArrivedWithTheFinishedWhenTheLastHandshakeWrapProducesNothing() throws Exception {
        SSLContext server = new QuirkyContext(TlsTestSupport.server().serverContext());
        EmbeddedChannel ch = new EmbeddedChannel(
                TlsHandler.server(server).protocols("TLSv1.3").delegatedTaskExecutor(Runnable::run).build());
        SSLEngine client = TlsTestSupport.server().clientContext().createSSLEngine("localhost", 443);
        client.setUseClientMode(true);
        client.setEnabledProtocols(new String[] {"TLSv1.3"});
        client.beginHandshake();

        byte[] request = "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer toServer = ByteBuffer.allocate(1 << 17);
        ByteBuffer fromServer = ByteBuffer.allocate(1 << 17).flip();
        ByteBuffer plain = ByteBuffer.allocate(1 << 17);
        for (int step = 0; step < 100 && client.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING; step++) {
            switch (client.getHandshakeStatus()) {
                case NEED_TASK -> {
                    Runnable task;
                    while ((task = client.getDelegatedTask()) != null) {
                        task.run();
                    }
                }
                case NEED_WRAP -> client.wrap(ByteBuffer.allocate(0), toServer);
                default -> { // NEED_UNWRAP: send what the client has, take what the server answered
                    if (toServer.position() > 0) {
                        ch.writeInboundBytes(drain(toServer));
                    }
                    ch.runPendingTasks();
                    byte[] answer = readOutbound(ch);
                    fromServer = ByteBuffer.allocate(fromServer.remaining() + answer.length)
                            .put(fromServer).put(answer).flip();
                    client.unwrap(fromServer, plain);
                }
            }
        }
        assertEquals(HandshakeStatus.NOT_HANDSHAKING, client.getHandshakeStatus());
        // The client's Finished (still in toServer) and its request, in one read.
        client.wrap(ByteBuffer.wrap(request), toServer);
        ch.writeInboundBytes(drain(toServer));
        ch.runPendingTasks();

        assertArrayEquals(request, ch.readInboundBytes());
        assertTrue(ch.pipeline().get(TlsHandler.class).isHandshakeComplete());
        ch.finishAndReleaseAll();
    }

    private static byte[] drain(ByteBuffer b) {
        b.flip();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        b.clear();
        return bytes;
    }

    private static byte[] readOutbound(EmbeddedChannel ch) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Buffer b;
        while ((b = ch.readOutbound()) != null) {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    /** An {@link SSLContext} whose engines are {@link QuirkyEngine}s around {@code real}'s. */
    private static final class QuirkyContext extends SSLContext {
        QuirkyContext(SSLContext real) {
            super(new SSLContextSpi() {
                @Override
                protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr)
                        throws KeyManagementException {
                    throw new KeyManagementException("already initialised");
                }

                @Override
                protected SSLSocketFactory engineGetSocketFactory() {
                    return real.getSocketFactory();
                }

                @Override
                protected SSLServerSocketFactory engineGetServerSocketFactory() {
                    return real.getServerSocketFactory();
                }

                @Override
                protected SSLEngine engineCreateSSLEngine() {
                    return new QuirkyEngine(real.createSSLEngine());
                }

                @Override
                protected SSLEngine engineCreateSSLEngine(String host, int port) {
                    return new QuirkyEngine(real.createSSLEngine(host, port));
                }

                @Override
                protected SSLSessionContext engineGetServerSessionContext() {
                    return real.getServerSessionContext();
                }

                @Override
                protected SSLSessionContext engineGetClientSessionContext() {
                    return real.getClientSessionContext();
                }

                @Override
                protected SSLParameters engineGetDefaultSSLParameters() {
                    return real.getDefaultSSLParameters();
                }

                @Override
                protected SSLParameters engineGetSupportedSSLParameters() {
                    return real.getSupportedSSLParameters();
                }
            }, real.getProvider(), real.getProtocol());
        }
    }

    /**
     * The JDK's engine, except that the wrap that ends the handshake keeps what it produced (the session ticket) for
     * the next wrap and reports {@code FINISHED} with nothing produced, as Conscrypt's server does.
     */
    private static final class QuirkyEngine extends SSLEngine {
        private final SSLEngine real;
        private ByteBuffer heldBack;

        QuirkyEngine(SSLEngine real) {
            this.real = real;
        }

        @Override
        public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
            if (heldBack != null && heldBack.hasRemaining()) {
                int n = Math.min(heldBack.remaining(), dst.remaining());
                ByteBuffer part = heldBack.slice(heldBack.position(), n);
                dst.put(part);
                heldBack.position(heldBack.position() + n);
                return new SSLEngineResult(SSLEngineResult.Status.OK, real.getHandshakeStatus(), 0, n);
            }
            int start = dst.position();
            SSLEngineResult r = real.wrap(srcs, offset, length, dst);
            if (r.getHandshakeStatus() == HandshakeStatus.FINISHED && heldBack == null && r.bytesProduced() > 0) {
                heldBack = ByteBuffer.allocate(r.bytesProduced());
                heldBack.put(dst.duplicate().position(start).limit(start + r.bytesProduced())).flip();
                dst.position(start);
                return new SSLEngineResult(r.getStatus(), HandshakeStatus.FINISHED, r.bytesConsumed(), 0);
            }
            return r;
        }

        @Override
        public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) throws SSLException {
            return real.unwrap(src, dsts, offset, length);
        }

        @Override
        public Runnable getDelegatedTask() {
            return real.getDelegatedTask();
        }

        @Override
        public void closeInbound() throws SSLException {
            real.closeInbound();
        }

        @Override
        public boolean isInboundDone() {
            return real.isInboundDone();
        }

        @Override
        public void closeOutbound() {
            real.closeOutbound();
        }

        @Override
        public boolean isOutboundDone() {
            return real.isOutboundDone();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return real.getSupportedCipherSuites();
        }

        @Override
        public String[] getEnabledCipherSuites() {
            return real.getEnabledCipherSuites();
        }

        @Override
        public void setEnabledCipherSuites(String[] suites) {
            real.setEnabledCipherSuites(suites);
        }

        @Override
        public String[] getSupportedProtocols() {
            return real.getSupportedProtocols();
        }

        @Override
        public String[] getEnabledProtocols() {
            return real.getEnabledProtocols();
        }

        @Override
        public void setEnabledProtocols(String[] protocols) {
            real.setEnabledProtocols(protocols);
        }

        @Override
        public SSLSession getSession() {
            return real.getSession();
        }

        @Override
        public SSLSession getHandshakeSession() {
            return real.getHandshakeSession();
        }

        @Override
        public void beginHandshake() throws SSLException {
            real.beginHandshake();
        }

        @Override
        public HandshakeStatus getHandshakeStatus() {
            return real.getHandshakeStatus();
        }

        @Override
        public void setUseClientMode(boolean mode) {
            real.setUseClientMode(mode);
        }

        @Override
        public boolean getUseClientMode() {
            return real.getUseClientMode();
        }

        @Override
        public void setNeedClientAuth(boolean need) {
            real.setNeedClientAuth(need);
        }

        @Override
        public boolean getNeedClientAuth() {
            return real.getNeedClientAuth();
        }

        @Override
        public void setWantClientAuth(boolean want) {
            real.setWantClientAuth(want);
        }

        @Override
        public boolean getWantClientAuth() {
            return real.getWantClientAuth();
        }

        @Override
        public void setEnableSessionCreation(boolean flag) {
            real.setEnableSessionCreation(flag);
        }

        @Override
        public boolean getEnableSessionCreation() {
            return real.getEnableSessionCreation();
        }

        @Override
        public SSLParameters getSSLParameters() {
            return real.getSSLParameters();
        }

        @Override
        public void setSSLParameters(SSLParameters params) {
            real.setSSLParameters(params);
        }

        @Override
        public String getApplicationProtocol() {
            return real.getApplicationProtocol();
        }

        @Override
        public String getHandshakeApplicationProtocol() {
            return real.getHandshakeApplicationProtocol();
        }
    }
}
