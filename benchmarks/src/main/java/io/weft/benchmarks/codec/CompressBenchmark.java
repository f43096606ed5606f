package io.weft.benchmarks.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.compression.JdkZlibDecoder;
import io.netty.handler.codec.compression.JdkZlibEncoder;
import io.netty.handler.codec.compression.ZlibWrapper;
import io.weft.buffer.Buffer;
import io.weft.buffer.PooledAllocator;
import io.weft.codec.compress.GzipDecoder;
import io.weft.codec.compress.GzipEncoder;
import io.weft.codec.compress.ZlibDecoder;
import io.weft.codec.compress.ZlibEncoder;
import io.weft.pipeline.Handler;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Compression round trip in memory: one operation compresses a message of {@code size} bytes of English-like text
 * (level 6, in a pooled direct buffer) and decompresses the result, counting the bytes that come out.
 * Sixteen different texts are used in turn so that a stream encoder cannot profit from the previous message.
 *
 * <p>Weft: {@link GzipEncoder}/{@link GzipDecoder} and {@link ZlibEncoder}/{@link ZlibDecoder}, driven through
 * {@link DirectContext}; each message becomes one complete gzip member / zlib stream. Netty:
 * {@link JdkZlibEncoder}/{@link JdkZlibDecoder} with {@link ZlibWrapper#GZIP} / {@link ZlibWrapper#ZLIB}, in
 * {@link EmbeddedChannel}s; Netty's encoder keeps one stream per channel and sync-flushes each message (that is its
 * only mode), so its output per message is a flushed block rather than a finished member. Setup round-trips each
 * text once per side and compares the output byte for byte.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dweft.leakDetection=off", "-Dio.netty.leakDetection.level=disabled",
        "-Xms1g", "-Xmx1g"})
public class CompressBenchmark {

    static final int TEXTS = 16;
    static final int LEVEL = 6;

    /** The texts. */
    @State(Scope.Benchmark)
    public static class Data {
        @Param({"4096", "1048576"})
        int size;
        @Param({"gzip", "zlib"})
        String format;
        byte[][] texts;

        @Setup(Level.Trial)
        public void setUp() {
            texts = new byte[TEXTS][];
            for (int i = 0; i < TEXTS; i++) {
                texts[i] = Inputs.text(size, 100 + i);
            }
        }
    }

    /** Weft encoder and decoder, chained through direct contexts. */
    @State(Scope.Thread)
    public static class Weft {
        IdleChannel idle;
        Handler encoder;
        Handler decoder;
        DirectContext encoderCtx;
        DirectContext decoderCtx;
        final Sink sink = new Sink();
        int next;

        @Setup(Level.Trial)
        public void setUp(Data data) throws Exception {
            idle = new IdleChannel();
            boolean gzip = "gzip".equals(data.format);
            encoder = gzip ? new GzipEncoder(LEVEL) : new ZlibEncoder(LEVEL);
            decoder = gzip ? new GzipDecoder() : new ZlibDecoder();
            decoderCtx = new DirectContext(decoder, idle.channel, sink, msg -> {
                throw new IllegalStateException("decoder wrote " + msg);
            });
            encoderCtx = new DirectContext(encoder, idle.channel, msg -> {
                throw new IllegalStateException("encoder fired " + msg);
            }, compressed -> {
                try {
                    decoder.channelRead(decoderCtx, compressed);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            for (byte[] text : data.texts) {
                sink.check = new ByteArrayOutputStream();
                roundTrip(this, text);
                if (!Arrays.equals(text, sink.check.toByteArray())) {
                    throw new IllegalStateException("Weft " + data.format + " round trip changed the text");
                }
            }
            sink.check = null;
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            encoder.handlerRemoved(encoderCtx);
            decoder.handlerRemoved(decoderCtx);
            idle.close();
        }

        /** Counts and releases decompressed buffers. */
        static final class Sink implements Consumer<Object> {
            long bytes;
            ByteArrayOutputStream check;

            @Override
            public void accept(Object msg) {
                Buffer b = (Buffer) msg;
                bytes += b.readableBytes();
                if (check != null) {
                    check.writeBytes(b.readAllBytes());
                }
                b.release();
            }
        }
    }

    /** Netty encoder and decoder channels. */
    @State(Scope.Thread)
    public static class Netty {
        EmbeddedChannel encoder;
        EmbeddedChannel decoder;
        final Sink sink = new Sink();
        int next;

        @Setup(Level.Trial)
        public void setUp(Data data) {
            ZlibWrapper wrapper = "gzip".equals(data.format) ? ZlibWrapper.GZIP : ZlibWrapper.ZLIB;
            encoder = new EmbeddedChannel(new JdkZlibEncoder(wrapper, LEVEL));
            decoder = new EmbeddedChannel(new JdkZlibDecoder(wrapper), sink);
            for (byte[] text : data.texts) {
                sink.check = new ByteArrayOutputStream();
                roundTrip(this, text);
                if (!Arrays.equals(text, sink.check.toByteArray())) {
                    throw new IllegalStateException("Netty " + data.format + " round trip changed the text");
                }
            }
            sink.check = null;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            encoder.finishAndReleaseAll();
            decoder.finishAndReleaseAll();
        }

        /** Netty twin of Weft's sink. */
        static final class Sink extends ChannelInboundHandlerAdapter {
            long bytes;
            ByteArrayOutputStream check;

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf b = (ByteBuf) msg;
                bytes += b.readableBytes();
                if (check != null) {
                    byte[] bytes = new byte[b.readableBytes()];
                    b.readBytes(bytes);
                    check.writeBytes(bytes);
                }
                b.release();
            }
        }
    }

    static long roundTrip(Weft weft, byte[] text) throws Exception {
        Buffer input = PooledAllocator.DEFAULT.allocate(text.length);
        input.writeBytes(text);
        weft.encoder.write(weft.encoderCtx, input, null);
        weft.decoder.channelReadComplete(weft.decoderCtx);
        return weft.sink.bytes;
    }

    static long roundTrip(Netty netty, byte[] text) {
        ByteBuf input = PooledByteBufAllocator.DEFAULT.directBuffer(text.length);
        input.writeBytes(text);
        netty.encoder.writeAndFlush(input, netty.encoder.voidPromise());
        ByteBuf compressed;
        while ((compressed = netty.encoder.readOutbound()) != null) {
            netty.decoder.pipeline().fireChannelRead(compressed);
        }
        netty.decoder.pipeline().fireChannelReadComplete();
        return netty.sink.bytes;
    }

    @Benchmark
    public long weftRoundTrip(Data data, Weft weft) throws Exception {
        weft.next = (weft.next + 1) & (TEXTS - 1);
        return roundTrip(weft, data.texts[weft.next]);
    }

    @Benchmark
    public long nettyRoundTrip(Data data, Netty netty) {
        netty.next = (netty.next + 1) & (TEXTS - 1);
        return roundTrip(netty, data.texts[netty.next]);
    }
}
