package io.weft.examples.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.channel.TcpChannel;
import io.weft.codec.frame.LineFrameDecoder;
import io.weft.codec.string.StringDecoder;
import io.weft.codec.string.StringEncoder;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two chat clients over 127.0.0.1: a line from one reaches the other, not the sender. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChatServerTest {

    private static EventLoopGroup group;
    private static Server server;

    @BeforeAll
    static void start() {
        group = new EventLoopGroup(2);
        server = ChatServer.start(group, "127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.close();
        group.close();
    }

    private static TcpChannel connect(BlockingQueue<String> lines) throws Exception {
        return Client.builder().group(group).handler(ch -> ch.pipeline()
                .addLast("lines", new LineFrameDecoder(4096))
                .addLast("utf8", new StringDecoder())
                .addLast("encoder", new StringEncoder(StandardCharsets.UTF_8, "\r\n"))
                .addLast("collect", new Handler() {
                    @Override
                    public void channelRead(HandlerContext ctx, Object msg) {
                        lines.add((String) msg);
                    }
                })).connect(server.localAddress()).get(10, TimeUnit.SECONDS);
    }

    @Test
    void broadcastsEachLineToTheOthers() throws Exception {
        BlockingQueue<String> alice = new LinkedBlockingQueue<>();
        BlockingQueue<String> bob = new LinkedBlockingQueue<>();
        TcpChannel a = connect(alice);
        assertTrue(alice.poll(10, TimeUnit.SECONDS).startsWith("welcome"));
        TcpChannel b = connect(bob);
        assertTrue(bob.poll(10, TimeUnit.SECONDS).startsWith("welcome"));
        assertTrue(alice.poll(10, TimeUnit.SECONDS).endsWith("joined"));
        a.writeAndFlush("grüß dich, 世界");
        String got = bob.poll(10, TimeUnit.SECONDS);
        assertTrue(got != null && got.endsWith("] grüß dich, 世界"), got);
        b.writeAndFlush("x".repeat(5000)); // too long: discarded, the connection stays
        assertEquals("* line too long, ignored", bob.poll(10, TimeUnit.SECONDS));
        b.writeAndFlush("/quit");
        assertTrue(alice.poll(10, TimeUnit.SECONDS).endsWith("left"));
        assertTrue(alice.isEmpty(), "the sender does not get its own lines back: " + alice);
        b.closeFuture().get(10, TimeUnit.SECONDS);
        a.close().get(10, TimeUnit.SECONDS);
    }

    /**
     * A member that never reads becomes congested: the talker is paused (not buffered for), and after
     * {@link ChatServer#STALL_MILLIS} the stalled member is disconnected and the talker resumes. The server never
     * buffers without bound for it, and a member that reads, however slowly, gets every line.
     */
    @Test
    void disconnectsAMemberThatDoesNotReadAndKeepsServingTheOthers() throws Exception {
        BlockingQueue<String> alice = new LinkedBlockingQueue<>();
        BlockingQueue<String> carol = new LinkedBlockingQueue<>();
        TcpChannel a = connect(alice);
        assertTrue(alice.poll(10, TimeUnit.SECONDS).startsWith("welcome"));
        try (java.net.Socket slow = new java.net.Socket()) {
            slow.setReceiveBufferSize(16 * 1024);
            slow.connect(server.localAddress(), 10_000);
            assertTrue(alice.poll(10, TimeUnit.SECONDS).endsWith("joined"));
            TcpChannel c = connect(carol);
            assertTrue(carol.poll(10, TimeUnit.SECONDS).startsWith("welcome"));
            assertTrue(alice.poll(10, TimeUnit.SECONDS).endsWith("joined"));
            String line = "x".repeat(1000);
            // About 20 MB for each of the others: far more than the kernel (a few MB of socket buffers) and the
            // server (watermark, MAX_PENDING_BYTES) hold for the slow member before it is disconnected.
            int lines = 20_000;
            for (int i = 0; i < lines; i++) {
                a.write(i + " " + line);
                if (i % 100 == 99) {
                    a.flush();
                }
            }
            a.flush();
            int received = 0;
            boolean slowLeft = false;
            while (received < lines) {
                String got = carol.poll(30, TimeUnit.SECONDS);
                assertTrue(got != null, "carol got " + received + " of " + lines + " lines");
                if (got.endsWith(" left")) {
                    slowLeft = true;
                    continue;
                }
                assertTrue(got.endsWith("] " + received + " " + line), got.length() > 80 ? got.substring(0, 80) : got);
                received++;
            }
            // The slow member's connection is closed: what it finally reads is bounded, then end of stream.
            slow.setSoTimeout(30_000);
            long bytes = 0;
            try {
                java.io.InputStream in = slow.getInputStream();
                byte[] sink = new byte[65536];
                for (int n; (n = in.read(sink)) >= 0; ) {
                    bytes += n;
                }
            } catch (java.net.SocketException reset) {
                // closed with unread data on our side: a reset is fine too
            }
            assertTrue(bytes < (long) lines * line.length() / 2, "the slow member was sent " + bytes + " bytes");
            if (!slowLeft) {
                String left = carol.poll(10, TimeUnit.SECONDS);
                assertTrue(left != null && left.endsWith(" left"), String.valueOf(left));
            }
            c.close().get(10, TimeUnit.SECONDS);
        }
        a.close().get(10, TimeUnit.SECONDS);
    }
}
