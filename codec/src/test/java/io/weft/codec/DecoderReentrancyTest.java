package io.weft.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.bootstrap.Udp;
import io.weft.buffer.Buffer;
import io.weft.channel.ChannelOption;
import io.weft.channel.EmbeddedChannel;
import io.weft.channel.Datagram;
import io.weft.channel.TcpChannel;
import io.weft.channel.UdpChannel;
import io.weft.codec.frame.LineFrameDecoder;
import io.weft.codec.string.StringDecoder;
import io.weft.codec.string.StringEncoder;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ByteToMessageDecoder} while the pipeline changes under it: a close, a removal or a read request issued by
 * a handler while the decoder delivers its messages. Every test runs over real loopback sockets with strict leak
 * detection.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DecoderReentrancyTest {

    private EventLoopGroup group;

    @BeforeEach
    void start() {
        group = new EventLoopGroup(1);
    }

    @AfterEach
    void stop() {
        group.close();
    }

    /** Collects lines (Strings) and exceptions; optionally closes on "/quit" and asks for a read after each line. */
    private static final class LineSink implements Handler {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> inactive = new CompletableFuture<>();
        final boolean requestReads;

        LineSink(boolean requestReads) {
            this.requestReads = requestReads;
        }

        @Override
        public void channelActive(HandlerContext ctx) {
            if (requestReads) {
                ctx.read();
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            String line = (String) msg;
            lines.add(line);
            if (line.equals("/quit")) {
                ctx.writeAndFlush("bye");
                ctx.close();
            } else if (requestReads) {
                ctx.read();
            }
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            errors.add(cause);
        }

        @Override
        public void channelInactive(HandlerContext ctx) {
            inactive.complete(null);
        }
    }

    @Test
    void closeOnQuitFollowedByMoreLinesInTheSameSendDeliversEachFrameOnce() throws Exception {
        LineSink sink = new LineSink(false);
        try (Server server = Server.builder().group(group).childHandler(ch -> ch.pipeline()
                .addLast("frame", new LineFrameDecoder(1024))
                .addLast("string", new StringDecoder())
                .addLast("encode", new StringEncoder(StandardCharsets.UTF_8, "\n"))
                .addLast("chat", sink)).bind("127.0.0.1", 0);
             Socket socket = new Socket()) {
            socket.setSoTimeout(20_000);
            socket.connect(server.localAddress());
            byte[] oneSend = "hello\n/quit\nafter one\nafter two\npartial".getBytes(StandardCharsets.UTF_8);
            socket.getOutputStream().write(oneSend);
            byte[] reply = socket.getInputStream().readAllBytes();
            assertEquals("bye\n", new String(reply, StandardCharsets.UTF_8));
            sink.inactive.get(10, TimeUnit.SECONDS);
            assertEquals(List.of(), sink.errors, "no IllegalReferenceCountException, no corrupt frame at close");
            assertTrue(sink.lines.size() >= 2 && sink.lines.subList(0, 2).equals(List.of("hello", "/quit")),
                    "lines: " + sink.lines);
            assertEquals(sink.lines.size(), sink.lines.stream().distinct().count(), "a frame delivered twice: "
                    + sink.lines);
        }
    }

    /** Emits every complete line in one decode() call, so several messages are delivered from one read. */
    private static final class AllLinesDecoder extends ByteToMessageDecoder {
        @Override
        protected void decode(HandlerContext ctx, Buffer in, List<Object> out) {
            int eol;
            while ((eol = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n')) >= 0) {
                int length = eol - in.readerIndex();
                out.add(in.toString(in.readerIndex(), length, StandardCharsets.US_ASCII));
                in.skipBytes(length + 1);
            }
        }
    }

    @Test
    void decoderRemovedWhileDeliveringPassesLeftoverBytesOnAfterTheRemainingMessages() {
        AllLinesDecoder decoder = new AllLinesDecoder();
        List<String> seen = new ArrayList<>();
        EmbeddedChannel channel = new EmbeddedChannel(decoder, new Handler() {
            @Override
            public void channelRead(HandlerContext ctx, Object msg) {
                if (msg instanceof Buffer raw) {
                    seen.add("raw:" + raw.toString(StandardCharsets.US_ASCII));
                    raw.release();
                    return;
                }
                seen.add((String) msg);
                if (msg.equals("switch")) {
                    ctx.pipeline().remove(decoder);
                }
            }
        });
        channel.writeInboundBytes("a\nswitch\nb\nc\ntail".getBytes(StandardCharsets.US_ASCII));
        assertEquals(List.of("a", "switch", "b", "c", "raw:tail"), seen);
        channel.finish();
    }

    @Test
    void autoReadOffTcpFrameSplitAcrossReadsIsDecoded() throws Exception {
        LineSink sink = new LineSink(true);
        String first = "x".repeat(3000);
        String second = "y".repeat(5000);
        try (Server server = Server.builder().group(group)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.MAX_READS_PER_EVENT, 1)
                .childOption(ChannelOption.RECEIVE_BUFFER_MIN, 16)
                .childOption(ChannelOption.RECEIVE_BUFFER_INITIAL, 16)
                .childOption(ChannelOption.RECEIVE_BUFFER_MAX, 64)
                .childHandler(ch -> ch.pipeline()
                        .addLast("frame", new LineFrameDecoder(10_000))
                        .addLast("string", new StringDecoder())
                        .addLast("sink", sink)).bind("127.0.0.1", 0);
             Socket socket = new Socket()) {
            socket.connect(server.localAddress());
            socket.getOutputStream().write((first + "\n" + second + "\n").getBytes(StandardCharsets.US_ASCII));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (sink.lines.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(List.of(first, second), sink.lines);
            assertEquals(List.of(), sink.errors);
        }
    }

    /** Passes each datagram's payload on as a buffer, so a stream decoder can sit behind it. */
    private static final class Unwrap implements Handler {
        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            Datagram datagram = (Datagram) msg;
            ctx.fireChannelRead(datagram.content());
        }
    }

    @Test
    void autoReadOffUdpFrameSplitAcrossDatagramsIsDecoded() throws Exception {
        LineSink sink = new LineSink(true);
        UdpChannel server = Udp.builder().group(group).option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.MAX_READS_PER_EVENT, 1)
                .handler(ch -> ch.pipeline().addLast("unwrap", new Unwrap())
                        .addLast("frame", new LineFrameDecoder(1024))
                        .addLast("string", new StringDecoder())
                        .addLast("sink", sink))
                .bind("127.0.0.1", 0).get(10, TimeUnit.SECONDS);
        UdpChannel client = Udp.builder().group(group).bind("127.0.0.1", 0).get(10, TimeUnit.SECONDS);
        try {
            for (String part : new String[] {"hel", "lo\nwor", "ld\n"}) {
                client.write(new Datagram(client.allocator().copyOf(part, StandardCharsets.US_ASCII),
                        server.localAddress()));
            }
            client.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (sink.lines.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(List.of("hello", "world"), sink.lines);
        } finally {
            client.close().get(10, TimeUnit.SECONDS);
            server.close().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void statefulDecoderIsRefusedInASecondPipeline() throws Exception {
        try (Server server = Server.builder().group(group).childHandler(ch -> { }).bind("127.0.0.1", 0)) {
            TcpChannel a = Client.builder().group(group).connect(server.localAddress()).get(10, TimeUnit.SECONDS);
            TcpChannel b = Client.builder().group(group).connect(server.localAddress()).get(10, TimeUnit.SECONDS);
            LineFrameDecoder decoder = new LineFrameDecoder(80);
            a.pipeline().addLast("frame", decoder);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> b.pipeline().addLast("frame", decoder));
            assertTrue(e.getMessage().contains("LineFrameDecoder") && e.getMessage().contains("not sharable"),
                    e.getMessage());
            assertEquals(List.of(), b.pipeline().names());
            // Not even twice in the same pipeline.
            assertThrows(IllegalStateException.class, () -> a.pipeline().addLast("again", decoder));
            StringDecoder strict = StringDecoder.strict(StandardCharsets.UTF_8);
            a.pipeline().addLast("strict", strict);
            assertThrows(IllegalStateException.class, () -> b.pipeline().addLast("strict", strict));

            // Stateless built-ins are sharable.
            StringEncoder encoder = new StringEncoder(StandardCharsets.UTF_8, "\n");
            StringDecoder lenient = new StringDecoder();
            a.pipeline().addLast("enc", encoder).addLast("dec", lenient);
            b.pipeline().addLast("enc", encoder).addLast("dec", lenient);
            assertSame(encoder, b.pipeline().get("enc"));
            a.close().get(10, TimeUnit.SECONDS);
            b.close().get(10, TimeUnit.SECONDS);
        }
    }
}
