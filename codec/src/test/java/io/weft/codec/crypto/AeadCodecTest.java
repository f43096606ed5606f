package io.weft.codec.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.channel.Channel;
import io.weft.channel.TcpChannel;
import io.weft.codec.frame.LengthFieldFrameDecoder;
import io.weft.codec.frame.LengthFieldPrepender;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The AEAD stage over real sockets, with a test-side proxy that tampers with the frames. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AeadCodecTest {

    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static EventLoopGroup group;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void startGroup() {
        group = new EventLoopGroup(2);
    }

    @AfterAll
    static void stopGroup() {
        group.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    /** Copies and releases what it reads, records exceptions, optionally echoes. */
    @Handler.Sharable // thread-safe queues: one instance serves every connection of a test's server
    static final class Peer implements Handler {
        final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
        final boolean echo;

        Peer(boolean echo) {
            this.echo = echo;
        }

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            Buffer b = (Buffer) msg;
            if (echo) {
                ctx.write(b);
            } else {
                received.add(b.readAllBytes());
                b.release();
            }
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            errors.add(cause);
        }
    }

    private static void framed(Channel ch, AeadCodec.Builder aead, Handler app) {
        ch.pipeline().addLast("decoder", new LengthFieldFrameDecoder(aead.maxSealedFrameLength() + 4, 4))
                .addLast("prepender", new LengthFieldPrepender(4))
                .addLast("aead", aead.build())
                .addLast("app", app);
    }

    private InetSocketAddress startServer(AeadCodec.Builder aead, Peer app) {
        Server server = Server.builder().group(group).childHandler(ch -> framed(ch, aead, app))
                .bind("127.0.0.1", 0);
        closeables.add(server::close);
        return server.localAddress();
    }

    private TcpChannel connect(int port, AeadCodec.Builder aead, Peer app) throws Exception {
        TcpChannel ch = Client.builder().group(group).handler(c -> framed(c, aead, app))
                .connect("127.0.0.1", port).get(10, TimeUnit.SECONDS);
        closeables.add(() -> ch.close().get(10, TimeUnit.SECONDS));
        return ch;
    }

    private static Buffer buffer(Channel ch, byte[] bytes) {
        return ch.allocator().allocate(Math.max(1, bytes.length)).writeBytes(bytes);
    }

    private static <T> T poll(BlockingQueue<T> q, String what) throws InterruptedException {
        T t = q.poll(20, TimeUnit.SECONDS);
        if (t == null) {
            throw new AssertionError("timed out waiting for " + what);
        }
        return t;
    }

    @ParameterizedTest
    @EnumSource(AeadAlgorithm.class)
    void roundTripsMessagesByteExact(AeadAlgorithm algorithm) throws Exception {
        AeadCodec.Builder aead = AeadCodec.builder(SECRET).algorithm(algorithm);
        InetSocketAddress server = startServer(aead, new Peer(true));
        Peer client = new Peer(false);
        TcpChannel ch = connect(server.getPort(), aead, client);
        Random random = new Random(42);
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            byte[] m = new byte[i == 0 ? 0 : i == 1 ? AeadCodec.Builder.DEFAULT_MAX_PLAINTEXT : random.nextInt(3000)];
            random.nextBytes(m);
            sent.add(m);
            ch.write(buffer(ch, m));      // the first ones are queued until the key exchange finishes
        }
        ch.flush();
        for (byte[] m : sent) {
            assertArrayEquals(m, poll(client.received, "echo"));
        }
        assertTrue(client.errors.isEmpty(), client.errors.toString());
        assertTrue(((AeadCodec) ch.pipeline().get("aead")).handshakeFuture().isDone());
    }

    /** Sends three marked messages from a client through a proxy with {@code mutator}; returns the server's error. */
    private Throwable tamper(FrameProxy.Mutator mutator, boolean[] wirePlaintext) throws Exception {
        AeadCodec.Builder aead = AeadCodec.builder(SECRET);
        Peer serverApp = new Peer(false);
        InetSocketAddress server = startServer(aead, serverApp);
        FrameProxy proxy = new FrameProxy(server, mutator);
        closeables.add(proxy);
        Peer client = new Peer(false);
        TcpChannel ch = connect(proxy.port(), aead, client);
        for (int i = 1; i <= 3; i++) {
            ch.writeAndFlush(buffer(ch, ("secret message " + i).getBytes(StandardCharsets.US_ASCII)));
        }
        Throwable error = poll(serverApp.errors, "the server's error");
        ch.closeFuture().get(20, TimeUnit.SECONDS); // the server closed the connection
        if (wirePlaintext != null) {
            for (byte[] f : proxy.seen) {
                wirePlaintext[0] |= new String(f, StandardCharsets.ISO_8859_1).contains("secret message");
            }
        }
        return error;
    }

    @Test
    void untamperedTrafficArrivesAndIsNotPlaintextOnTheWire() throws Exception {
        AeadCodec.Builder aead = AeadCodec.builder(SECRET);
        Peer serverApp = new Peer(false);
        InetSocketAddress server = startServer(aead, serverApp);
        FrameProxy proxy = new FrameProxy(server, (i, f) -> FrameProxy.same(f));
        closeables.add(proxy);
        TcpChannel ch = connect(proxy.port(), aead, new Peer(false));
        ch.writeAndFlush(buffer(ch, "secret message".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("secret message", new String(poll(serverApp.received, "message"), StandardCharsets.US_ASCII));
        for (byte[] f : proxy.seen) {
            assertFalse(new String(f, StandardCharsets.ISO_8859_1).contains("secret"), "plaintext on the wire");
        }
        assertEquals(3, proxy.seen.size(), "hello, key confirmation, one data frame");
    }

    /**
     * A half-close asked for at once, during the key exchange, waits for it: the writes before it are sealed and
     * arrive, then the FIN; a write after it fails. (Passed straight on, the FIN would cut the exchange short.)
     */
    @Test
    void aHalfCloseDuringTheKeyExchangeWaitsForItAndTheWritesBeforeIt() throws Exception {
        AeadCodec.Builder aead = AeadCodec.builder(SECRET);
        Peer serverApp = new Peer(false);
        InetSocketAddress server = startServer(aead, serverApp);
        TcpChannel ch = connect(server.getPort(), aead, new Peer(false));
        ch.writeAndFlush(buffer(ch, "before".getBytes(StandardCharsets.US_ASCII)));
        ch.writeAndFlush(buffer(ch, "the FIN".getBytes(StandardCharsets.US_ASCII)));
        CompletableFuture<Void> shut = ch.shutdownOutput();
        CompletableFuture<Void> late = ch.writeAndFlush(buffer(ch, "late".getBytes(StandardCharsets.US_ASCII)),
                new CompletableFuture<>());
        assertEquals("before", new String(poll(serverApp.received, "first message"), StandardCharsets.US_ASCII));
        assertEquals("the FIN", new String(poll(serverApp.received, "second message"), StandardCharsets.US_ASCII));
        shut.get(10, TimeUnit.SECONDS);
        assertInstanceOf(java.nio.channels.ClosedChannelException.class,
                late.handle((v, t) -> t).get(10, TimeUnit.SECONDS));
        ch.closeFuture().get(10, TimeUnit.SECONDS); // the server closed on our FIN
        assertEquals(null, serverApp.received.poll(), "nothing after the FIN");
        assertEquals(null, serverApp.errors.poll());
    }

    @Test
    void flippedBitFailsAuthentication() throws Exception {
        Throwable e = tamper((i, f) -> {
            if (i == 3) {
                f[f.length / 2] ^= 0x04; // second data frame, inside the ciphertext
            }
            return FrameProxy.same(f);
        }, null);
        assertInstanceOf(FrameAuthenticationException.class, e);
    }

    @Test
    void flippedTagBitFailsAuthentication() throws Exception {
        Throwable e = tamper((i, f) -> {
            if (i == 2) {
                f[f.length - 1] ^= 0x01;
            }
            return FrameProxy.same(f);
        }, null);
        assertInstanceOf(FrameAuthenticationException.class, e);
    }

    @Test
    void replayedFrameIsRefused() throws Exception {
        Throwable e = tamper((i, f) -> i == 2 ? List.of(f, f.clone()) : FrameProxy.same(f), null);
        FrameSequenceException s = assertInstanceOf(FrameSequenceException.class, e);
        assertTrue(s.isReplay());
        assertEquals(2, s.expected());
        assertEquals(1, s.actual());
    }

    @Test
    void reorderedFramesAreRefused() throws Exception {
        byte[][] held = new byte[1][];
        Throwable e = tamper((i, f) -> {
            if (i == 2) {
                held[0] = f;
                return List.of();
            }
            return i == 3 ? List.of(f, held[0]) : FrameProxy.same(f);
        }, null);
        FrameSequenceException s = assertInstanceOf(FrameSequenceException.class, e);
        assertFalse(s.isReplay());
        assertEquals(1, s.expected());
        assertEquals(2, s.actual());
    }

    @Test
    void truncatedFramesFail() throws Exception {
        Throwable shortened = tamper((i, f) -> i == 2
                ? List.of(java.util.Arrays.copyOf(f, f.length - 1)) : FrameProxy.same(f), null);
        assertInstanceOf(FrameAuthenticationException.class, shortened);
        closeAll();
        closeables.clear();
        Throwable stub = tamper((i, f) -> i == 2
                ? List.of(java.util.Arrays.copyOf(f, 10)) : FrameProxy.same(f), null);
        assertInstanceOf(FrameAuthenticationException.class, stub);
        assertTrue(stub.getMessage().contains("truncated"), stub.getMessage());
    }

    @Test
    void differentSecretsFailTheKeyConfirmation() throws Exception {
        Peer serverApp = new Peer(false);
        InetSocketAddress server = startServer(AeadCodec.builder(SECRET), serverApp);
        Peer client = new Peer(false);
        byte[] other = SECRET.clone();
        other[0] ^= 1;
        TcpChannel ch = connect(server.getPort(), AeadCodec.builder(other), client);
        Throwable e = poll(client.errors, "the client's error");
        assertInstanceOf(AeadHandshakeException.class, e);
        assertTrue(e.getMessage().contains("pre-shared secrets differ"), e.getMessage());
        ch.closeFuture().get(20, TimeUnit.SECONDS);
    }

    @Test
    void differentAlgorithmsAreRefused() throws Exception {
        Peer serverApp = new Peer(false);
        InetSocketAddress server = startServer(AeadCodec.builder(SECRET), serverApp);
        connect(server.getPort(), AeadCodec.builder(SECRET).algorithm(AeadAlgorithm.CHACHA20_POLY1305),
                new Peer(false));
        Throwable e = poll(serverApp.errors, "the server's error");
        assertInstanceOf(AeadHandshakeException.class, e);
        assertTrue(e.getMessage().contains("CHACHA20_POLY1305"), e.getMessage());
    }

    @Test
    void refusesAReflectedHelloAndAForeignOne() throws Exception {
        Peer serverApp = new Peer(false);
        InetSocketAddress server = startServer(AeadCodec.builder(SECRET), serverApp);
        try (Socket s = new Socket("127.0.0.1", server.getPort())) {
            s.setSoTimeout(20_000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] hello = new byte[in.readInt()];
            in.readFully(hello);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(hello.length);
            out.write(hello);
            assertTrue(poll(serverApp.errors, "error").getMessage().contains("reflected"));
        }
        try (Socket s = new Socket("127.0.0.1", server.getPort())) {
            s.setSoTimeout(20_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(AeadCodec.HELLO_LENGTH);
            out.write(new byte[AeadCodec.HELLO_LENGTH]);
            Throwable e = poll(serverApp.errors, "error");
            assertInstanceOf(AeadHandshakeException.class, e);
            assertTrue(e.getMessage().contains("magic"), e.getMessage());
        }
    }

    @Test
    void timesOutASilentPeer() throws Exception {
        Peer serverApp = new Peer(false);
        InetSocketAddress server = startServer(
                AeadCodec.builder(SECRET).handshakeTimeout(200, TimeUnit.MILLISECONDS), serverApp);
        try (Socket s = new Socket("127.0.0.1", server.getPort())) {
            s.setSoTimeout(20_000);
            Throwable e = poll(serverApp.errors, "the timeout");
            assertInstanceOf(AeadHandshakeException.class, e);
            assertTrue(e.getMessage().contains("200 ms"), e.getMessage());
            DataInputStream in = new DataInputStream(s.getInputStream());
            in.readFully(new byte[4 + AeadCodec.HELLO_LENGTH]);
            assertEquals(-1, in.read(), "closed after the timeout");
        }
    }

    @Test
    void closesBeforeTheFrameCounterRunsOut() throws Exception {
        AeadCodec.Builder limited = AeadCodec.builder(SECRET).maxFramesPerDirection(3);
        Peer serverApp = new Peer(false);
        InetSocketAddress server = startServer(AeadCodec.builder(SECRET), serverApp);
        Peer client = new Peer(false);
        TcpChannel ch = connect(server.getPort(), limited, client);
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            CompletableFuture<Void> w = ch.newPromise();
            ch.writeAndFlush(buffer(ch, new byte[] {(byte) i}), w);
            writes.add(w);
        }
        // Frame 0 is the key confirmation, so two messages fit in a limit of three frames.
        writes.get(0).get(20, TimeUnit.SECONDS);
        writes.get(1).get(20, TimeUnit.SECONDS);
        Throwable e = assertInstanceOf(java.util.concurrent.ExecutionException.class,
                org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> writes.get(2).get(20, TimeUnit.SECONDS))).getCause();
        assertInstanceOf(NonceExhaustedException.class, e);
        ch.closeFuture().get(20, TimeUnit.SECONDS);
        assertEquals(0, poll(serverApp.received, "first")[0]);
        assertEquals(1, poll(serverApp.received, "second")[0]);
    }

    @Test
    void boundsWritesWaitingForTheKeyExchange() throws Exception {
        // The server never answers the hello: a raw socket.
        try (java.net.ServerSocket silent = new java.net.ServerSocket()) {
            silent.bind(new InetSocketAddress("127.0.0.1", 0));
            Peer client = new Peer(false);
            TcpChannel ch = connect(silent.getLocalPort(), AeadCodec.builder(SECRET).maxPendingBytes(1000), client);
            try (Socket accepted = silent.accept()) {
                CompletableFuture<Void> first = ch.newPromise();
                CompletableFuture<Void> second = ch.newPromise();
                ch.write(buffer(ch, new byte[600]), first);
                ch.write(buffer(ch, new byte[600]), second);
                assertInstanceOf(FrameCryptoException.class, poll(client.errors, "the bound"));
                ch.closeFuture().get(20, TimeUnit.SECONDS);
                assertTrue(first.isCompletedExceptionally() && second.isCompletedExceptionally());
                assertTrue(accepted.isConnected());
            }
        }
    }

    @Test
    void refusesNonBufferWritesAndOversizedMessages() throws Exception {
        AeadCodec.Builder aead = AeadCodec.builder(SECRET).maxPlaintextLength(100);
        InetSocketAddress server = startServer(aead, new Peer(true));
        Peer client = new Peer(false);
        TcpChannel ch = connect(server.getPort(), aead, client);
        CompletableFuture<Void> text = ch.newPromise();
        ch.writeAndFlush("plain text", text);
        assertInstanceOf(io.weft.codec.EncoderException.class,
                org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> text.get(20, TimeUnit.SECONDS))
                        .getCause());
        CompletableFuture<Void> big = ch.newPromise();
        ch.writeAndFlush(buffer(ch, new byte[101]), big);
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> big.get(20, TimeUnit.SECONDS)).getCause().getMessage().contains("exceeds"));
        ch.writeAndFlush(buffer(ch, new byte[100]));
        assertEquals(100, poll(client.received, "the echo").length, "the connection still works");
    }
}
