package io.weft.codec.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.channel.ChannelOption;
import io.weft.channel.FileRegion;
import io.weft.channel.TcpChannel;
import io.weft.codec.tls.TlsTestSupport.Probe;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import io.weft.testing.EchoHandler;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The bounds of {@link TlsHandler}: writes before the handshake, delegated tasks, files streamed through TLS. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsBoundsTest {

    private static EventLoopGroup serverGroup;
    private static EventLoopGroup clientGroup;
    private static SSLContext serverContext;
    private static SSLContext clientContext;

    private final List<Server> servers = new ArrayList<>();
    private final List<TcpChannel> channels = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final LinkedBlockingQueue<Probe> accepted = new LinkedBlockingQueue<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        serverGroup = new EventLoopGroup(2);
        clientGroup = new EventLoopGroup(2);
        serverContext = TlsTestSupport.server().serverContext();
        clientContext = TlsTestSupport.server().clientContext();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (TcpChannel ch : channels) {
            ch.close().get(10, TimeUnit.SECONDS);
        }
        for (Server s : servers) {
            s.close();
        }
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    @AfterAll
    static void stop() {
        clientGroup.close();
        serverGroup.close();
    }

    private Server server(TlsHandler.Builder tls, java.util.function.Supplier<Handler> app) {
        Server server = Server.builder().group(serverGroup).childHandler(ch -> {
            Probe probe = new Probe();
            ch.pipeline().addLast("tls", tls.build()).addLast("probe", probe).addLast("app", app.get());
            accepted.add(probe);
        }).bind("127.0.0.1", 0);
        servers.add(server);
        return server;
    }

    private TcpChannel connect(int port, Handler... handlers) throws Exception {
        TcpChannel ch = Client.builder().group(clientGroup).handler(c -> {
            for (int i = 0; i < handlers.length; i++) {
                c.pipeline().addLast("h" + i, handlers[i]);
            }
        }).connect("127.0.0.1", port).get(10, TimeUnit.SECONDS);
        channels.add(ch);
        return ch;
    }

    private static <T> T onLoop(TcpChannel ch, java.util.concurrent.Callable<T> work) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        ch.loop().execute(() -> {
            try {
                result.complete(work.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result.get(10, TimeUnit.SECONDS);
    }

    /** A ClientHello from a JDK client engine, as raw bytes. */
    private static byte[] clientHello() throws Exception {
        SSLEngine peer = clientContext.createSSLEngine("localhost", 443);
        peer.setUseClientMode(true);
        ByteBuffer hello = ByteBuffer.allocate(peer.getSession().getPacketBufferSize());
        peer.beginHandshake();
        peer.wrap(ByteBuffer.allocate(0), hello);
        hello.flip();
        byte[] bytes = new byte[hello.remaining()];
        hello.get(bytes);
        return bytes;
    }

    // ------------------------------------------------------------------ writes before the handshake

    @Test
    void writesBeforeTheHandshakeAreBoundedAndTurnTheChannelUnwritable() throws Exception {
        // A TCP server that never answers: the client's handshake never completes.
        ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"));
        closeables.add(silent);
        TlsHandler tls = TlsHandler.client(clientContext).serverName("localhost").maxPendingWriteBytes(256 * 1024)
                .build();
        CompletableFuture<Throwable> caught = new CompletableFuture<>();
        TcpChannel ch = connect(silent.getLocalPort(), tls, new Handler() {
            @Override
            public void exceptionCaught(HandlerContext ctx, Throwable cause) {
                caught.complete(cause);
            }
        });
        Socket peer = silent.accept();
        closeables.add(peer);
        List<CompletableFuture<Void>> promises = new ArrayList<>();
        int chunk = 16 * 1024;
        Object[] seen = onLoop(ch, () -> {
            assertTrue(ch.isWritable());
            boolean unwritableBeforeBound = false;
            for (int i = 0; i < 16; i++) { // exactly the bound: 16 x 16 KiB = 256 KiB
                CompletableFuture<Void> p = ch.newPromise();
                promises.add(p);
                ch.write(ch.allocator().allocate(chunk).writeZero(chunk), p);
                if (!ch.isWritable() && i < 15) {
                    unwritableBeforeBound = true;
                }
            }
            CompletableFuture<Void> over = ch.newPromise();
            ch.write(ch.allocator().allocate(1).writeByte(1), over);
            ch.write(ch.allocator().allocate(1).writeByte(2)); // no promise: reported through exceptionCaught
            assertFalse(caught.isDone(), "not from inside the write call");
            ch.flush();
            return new Object[] {unwritableBeforeBound, ch.isWritable(), over};
        });
        assertTrue((Boolean) seen[0], "isWritable() turned false once the queued bytes passed the high water mark");
        assertFalse((Boolean) seen[1]);
        @SuppressWarnings("unchecked")
        CompletableFuture<Void> over = (CompletableFuture<Void>) seen[2];
        ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> over.get(10, TimeUnit.SECONDS));
        assertInstanceOf(TlsWriteQueueFullException.class, refused.getCause());
        assertTrue(refused.getCause().getMessage().contains("262144"), refused.getCause().getMessage());
        assertInstanceOf(TlsWriteQueueFullException.class, caught.get(10, TimeUnit.SECONDS));
        for (CompletableFuture<Void> p : promises) {
            assertFalse(p.isDone(), "queued writes wait for the handshake");
        }
        // Closing fails every queued write and releases its buffer (the leak check would catch a miss).
        ch.close().get(10, TimeUnit.SECONDS);
        for (CompletableFuture<Void> p : promises) {
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> p.get(10, TimeUnit.SECONDS));
            assertInstanceOf(ClosedChannelException.class, e.getCause());
        }
    }

    @Test
    void queuedBytesStopCountingOnceTheHandshakeSendsThem() throws Exception {
        Server server = server(TlsHandler.server(serverContext), EchoHandler::new);
        int total = 200 * 1024;
        HashingCollector collector = new HashingCollector(total);
        TlsHandler tls = TlsHandler.client(clientContext).serverName("localhost").build();
        TcpChannel ch = connect(server.port(), tls, collector);
        byte[] payload = new byte[total];
        new Random(7).nextBytes(payload);
        boolean writableAfterQueueing = onLoop(ch, () -> {
            for (int off = 0; off < total; off += 10_000) {
                int n = Math.min(10_000, total - off);
                ch.write(ch.allocator().allocate(n).writeBytes(payload, off, n));
            }
            ch.flush();
            return ch.isWritable();
        });
        assertFalse(writableAfterQueueing, "200 KiB queued before the handshake exceed the 64 KiB high water mark");
        assertArrayEquals(sha256(payload), collector.digest.get(30, TimeUnit.SECONDS));
        assertTrue(onLoop(ch, ch::isWritable), "writable again once the queued writes went out");
    }

    // ------------------------------------------------------------------ delegated tasks

    @Test
    void aHandshakeFloodQueuesAtMostTheExecutorsBoundAndFailsTheRestTyped() throws Exception {
        TlsTaskExecutor executor = new TlsTaskExecutor(1, 2);
        closeables.add(executor::shutdown);
        CountDownLatch release = new CountDownLatch(1);
        executor.execute(() -> {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Server server = server(TlsHandler.server(serverContext).delegatedTaskExecutor(executor), EchoHandler::new);
        byte[] hello = clientHello();
        int connections = 8;
        List<Socket> sockets = new ArrayList<>();
        io.weft.testing.log.LogCapture logs = io.weft.testing.log.LogCapture.start();
        closeables.add(logs);
        try {
            for (int i = 0; i < connections; i++) {
                Socket s = new Socket("127.0.0.1", server.port());
                s.setSoTimeout(20_000);
                sockets.add(s);
                s.getOutputStream().write(hello);
                s.getOutputStream().flush();
            }
            List<Probe> probes = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                Probe p = accepted.poll(10, TimeUnit.SECONDS);
                assertNotNull(p, "connection " + i + " accepted");
                probes.add(p);
            }
            // Two batches fit in the queue (the only thread is busy); the other six handshakes fail typed.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            int rejected = 0;
            while (System.nanoTime() < deadline) {
                rejected = (int) probes.stream().filter(p -> p.error.isDone()).count();
                if (rejected >= connections - 2) {
                    break;
                }
                Thread.sleep(20);
            }
            for (Probe p : probes) {
                if (p.error.isDone()) {
                    Throwable error = p.error.get();
                    assertInstanceOf(TlsTaskRejectedException.class, error);
                    assertTrue(error.getMessage().contains("queue of 2 full"), error.getMessage());
                    p.inactive.get(10, TimeUnit.SECONDS);
                } else {
                    assertFalse(p.inactive.isDone(), "a queued handshake waits for its turn");
                }
            }
            assertEquals(connections - 2, rejected);
            assertEquals(2, executor.queuedTasks());
            assertEquals(connections - 2, executor.rejectedTasks());
            // An overload, said once (rate-limited), not once per refused handshake.
            assertEquals(1, logs.at(org.slf4j.event.Level.WARN).stream()
                    .filter(e -> e.logger().endsWith("TlsTaskExecutor")).count(), logs.dump());
        } finally {
            release.countDown();
            for (Socket s : sockets) {
                s.close();
            }
        }
        // The server and its executor go on: a full handshake and echo afterwards, once the two queued batches
        // have drained (until then a new handshake would be refused too, which is the bound working).
        long drained = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (executor.queuedTasks() > 0 && System.nanoTime() < drained) {
            Thread.sleep(10);
        }
        assertEquals(0, executor.queuedTasks());
        HashingCollector collector = new HashingCollector(5);
        TcpChannel ch = connect(server.port(), TlsHandler.client(clientContext).serverName("localhost").build(),
                collector);
        ch.writeAndFlush(ch.allocator().copyOf("hello", java.nio.charset.StandardCharsets.US_ASCII));
        assertArrayEquals(sha256("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
                collector.digest.get(20, TimeUnit.SECONDS));
    }

    @Test
    void delegatedTasksOfAClosedConnectionDoNotRun() throws Exception {
        LinkedBlockingQueue<Runnable> captured = new LinkedBlockingQueue<>();
        Server server = server(TlsHandler.server(serverContext).delegatedTaskExecutor(captured::add),
                EchoHandler::new);
        byte[] hello = clientHello();

        // Connection A goes away while its batch waits: the batch runs no engine task.
        Runnable stale;
        try (Socket a = new Socket("127.0.0.1", server.port())) {
            a.getOutputStream().write(hello);
            a.getOutputStream().flush();
            stale = captured.poll(10, TimeUnit.SECONDS);
            assertNotNull(stale, "the ClientHello produced a delegated-task batch");
        }
        Probe probeA = accepted.poll(10, TimeUnit.SECONDS);
        probeA.inactive.get(10, TimeUnit.SECONDS);
        stale.run();
        TlsHandler.DelegatedTasks staleBatch = (TlsHandler.DelegatedTasks) stale;
        assertTrue(staleBatch.skipped());
        assertEquals(0, staleBatch.tasksRun());

        // Connection B is alive: its batch runs and the handshake goes on (the server answers).
        try (Socket b = new Socket("127.0.0.1", server.port())) {
            b.setSoTimeout(20_000);
            b.getOutputStream().write(hello);
            b.getOutputStream().flush();
            Runnable live = captured.poll(10, TimeUnit.SECONDS);
            assertNotNull(live);
            live.run();
            TlsHandler.DelegatedTasks liveBatch = (TlsHandler.DelegatedTasks) live;
            assertFalse(liveBatch.skipped());
            assertTrue(liveBatch.tasksRun() > 0);
            // Later batches (if any) run inline here so the server can send its flight.
            Runnable more;
            while ((more = captured.poll(200, TimeUnit.MILLISECONDS)) != null) {
                more.run();
            }
            InputStream in = b.getInputStream();
            int first = in.read();
            assertEquals(22, first, "a handshake record (ServerHello) came back");
        }
    }

    // ------------------------------------------------------------------ files through TLS

    @Test
    void aFileRegionIsStreamedThroughTlsByteExactWithBackPressure() throws Exception {
        int size = 24 * 1024 * 1024 + 12_345;
        Path file = dir.resolve("big.bin");
        byte[] content = new byte[size];
        new Random(42).nextBytes(content);
        Files.write(file, content);
        AtomicLong maxQueued = new AtomicLong();
        CompletableFuture<Void> sent = new CompletableFuture<>();
        Server server = Server.builder().group(serverGroup).childHandler(ch -> ch.pipeline()
                .addLast("meter", new Handler() {
                    @Override
                    public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) {
                        ctx.write(msg, promise);
                        long queued = ((TcpChannel) ctx.channel()).pendingOutboundBytes();
                        maxQueued.accumulateAndGet(queued, Math::max);
                    }
                })
                .addLast("tls", TlsHandler.server(serverContext).build())
                .addLast("app", new Handler() {
                    @Override
                    public void userEvent(HandlerContext ctx, Object event) throws Exception {
                        if (event instanceof TlsHandshakeCompletionEvent e && e.isSuccess()) {
                            CompletableFuture<Void> p = new CompletableFuture<>();
                            p.whenComplete((v, t) -> {
                                if (t != null) {
                                    sent.completeExceptionally(t);
                                } else {
                                    sent.complete(null);
                                }
                            });
                            ctx.write(FileRegion.of(file), p);
                            ctx.flush();
                        }
                        ctx.fireUserEvent(event);
                    }
                })).bind("127.0.0.1", 0);
        servers.add(server);
        HashingCollector collector = new HashingCollector(size);
        TlsHandler tls = TlsHandler.client(clientContext).serverName("localhost").build();
        TcpChannel ch = Client.builder().group(clientGroup).option(ChannelOption.AUTO_READ, true)
                .handler(c -> c.pipeline().addLast("tls", tls).addLast("collect", collector))
                .connect("127.0.0.1", server.port()).get(10, TimeUnit.SECONDS);
        channels.add(ch);
        tls.handshakeFuture().get(10, TimeUnit.SECONDS);
        // Stop reading: the server must stop encrypting once the socket and its 64 KiB watermark are full.
        ch.setOption(ChannelOption.AUTO_READ, false);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long last = -1;
        int stableRounds = 0;
        while (System.nanoTime() < deadline && stableRounds < 5) {
            long now = collector.received.get();
            stableRounds = now == last ? stableRounds + 1 : 0;
            last = now;
            Thread.sleep(100);
        }
        assertFalse(sent.isDone(), "24 MiB cannot all be in flight while the client does not read");
        assertTrue(maxQueued.get() <= 64 * 1024 + 2 * (TlsHandler.FILE_CHUNK + 4096),
                "the server queued at most about one chunk above the high water mark, saw " + maxQueued.get());
        ch.setOption(ChannelOption.AUTO_READ, true);
        ch.read();
        assertArrayEquals(sha256(content), collector.digest.get(60, TimeUnit.SECONDS));
        sent.get(10, TimeUnit.SECONDS);
        assertTrue(maxQueued.get() <= 64 * 1024 + 2 * (TlsHandler.FILE_CHUNK + 4096),
                "queued ciphertext stayed bounded: " + maxQueued.get());
    }

    // ------------------------------------------------------------------ states

    @Test
    void statesFollowTheDocumentedTransitions() throws Exception {
        Server server = server(TlsHandler.server(serverContext), EchoHandler::new);
        TlsHandler tls = TlsHandler.client(clientContext).serverName("localhost").build();
        assertEquals(TlsHandler.State.INITIAL, tls.state());
        TcpChannel ch = connect(server.port(), tls);
        tls.handshakeFuture().get(10, TimeUnit.SECONDS);
        assertEquals(TlsHandler.State.OPEN, onLoop(ch, tls::state));
        Probe serverSide = accepted.poll(10, TimeUnit.SECONDS);
        serverSide.handshake.get(10, TimeUnit.SECONDS);
        assertEquals(TlsHandler.State.OPEN, serverSide.tls.state());
        // A local close goes through CLOSING (close_notify) to CLOSED; the peer's close_notify closes the server.
        TlsHandler.State[] duringClose = new TlsHandler.State[1];
        CompletableFuture<Void> closed = onLoop(ch, () -> {
            CompletableFuture<Void> f = ch.close();
            duringClose[0] = tls.state();
            return f;
        });
        closed.get(10, TimeUnit.SECONDS);
        assertTrue(duringClose[0] == TlsHandler.State.CLOSING || duringClose[0] == TlsHandler.State.CLOSED,
                String.valueOf(duringClose[0]));
        assertEquals(TlsHandler.State.CLOSED, onLoop(ch, tls::state));
        serverSide.inactive.get(10, TimeUnit.SECONDS);
        assertTrue(serverSide.tls.isCloseNotifyReceived());
        assertEquals(TlsHandler.State.CLOSED, serverSide.tls.state());

        // Plaintext on the TLS port: FAILED (the typed error fired), then CLOSED.
        try (Socket plain = new Socket("127.0.0.1", server.port())) {
            plain.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            Probe failed = accepted.poll(10, TimeUnit.SECONDS);
            assertInstanceOf(NotSslRecordException.class, failed.error.get(10, TimeUnit.SECONDS));
            failed.inactive.get(10, TimeUnit.SECONDS);
            assertEquals(TlsHandler.State.CLOSED, failed.tls.state());
            assertFalse(failed.tls.isHandshakeComplete());
        }
    }

    // ------------------------------------------------------------------ helpers

    static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    /** Hashes inbound bytes; completes {@link #digest} with the SHA-256 once {@code expected} have arrived. */
    static final class HashingCollector implements Handler {
        final CompletableFuture<byte[]> digest = new CompletableFuture<>();
        final AtomicLong received = new AtomicLong();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        private final long expected;
        private final MessageDigest sha;

        HashingCollector(long expected) throws Exception {
            this.expected = expected;
            this.sha = MessageDigest.getInstance("SHA-256");
        }

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            Buffer b = (Buffer) msg;
            try {
                byte[] chunk = new byte[b.readableBytes()];
                b.readBytes(chunk);
                sha.update(chunk);
                if (received.addAndGet(chunk.length) >= expected) {
                    digest.complete(sha.digest());
                }
            } finally {
                b.release();
            }
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            errors.add(cause);
            digest.completeExceptionally(cause);
        }

        @Override
        public void channelInactive(HandlerContext ctx) {
            digest.completeExceptionally(new ClosedChannelException());
            ctx.fireChannelInactive();
        }
    }
}
