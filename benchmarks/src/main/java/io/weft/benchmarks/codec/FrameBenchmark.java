package io.weft.benchmarks.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.weft.buffer.Buffer;
import io.weft.buffer.PooledAllocator;
import io.weft.codec.frame.LengthFieldFrameDecoder;
import io.weft.codec.frame.LineFrameDecoder;
import io.weft.pipeline.Handler;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * Frame decoding in memory: a stream of 1,000 frames cut into random reads of 1 to 2,048 bytes, each read copied
 * into a fresh pooled direct buffer (as a socket read would produce) and fed to the decoder; the frames that come
 * out are counted and released. One operation decodes the whole stream.
 *
 * <ul>
 *   <li>{@code *LengthField}: 4-byte big-endian length prefix, bodies of 16 to 1,024 bytes, prefix stripped;
 *   Weft's {@link LengthFieldFrameDecoder} against Netty's {@link LengthFieldBasedFrameDecoder}.</li>
 *   <li>{@code *Line}: lines of 10 to 200 bytes ending in {@code \n}, delimiter stripped; Weft's
 *   {@link LineFrameDecoder} against Netty's {@link LineBasedFrameDecoder}.</li>
 * </ul>
 * Weft stages are driven through {@link DirectContext}, Netty's through {@link EmbeddedChannel} (a decoder and a
 * counting sink). Setup decodes once per side and compares the frames with the input byte for byte.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dweft.leakDetection=off", "-Dio.netty.leakDetection.level=disabled",
        "-Xms1g", "-Xmx1g"})
public class FrameBenchmark {

    static final int FRAMES = 1_000;
    static final int MAX_READ = 2_048;
    static final int MAX_FRAME = 64 * 1024;

    /** The inputs and the expected frame bodies. */
    @State(Scope.Benchmark)
    public static class Data {
        List<byte[]> lengthChunks;
        byte[] lengthBodies;
        List<byte[]> lineChunks;
        byte[] lineBodies;

        @Setup(Level.Trial)
        public void setUp() {
            byte[] framed = Inputs.lengthFramed(FRAMES, 1);
            lengthChunks = Inputs.randomSplits(framed, MAX_READ, 2);
            ByteArrayOutputStream bodies = new ByteArrayOutputStream();
            for (int pos = 0; pos < framed.length; ) {
                int length = ((framed[pos] & 0xff) << 24) | ((framed[pos + 1] & 0xff) << 16)
                        | ((framed[pos + 2] & 0xff) << 8) | (framed[pos + 3] & 0xff);
                bodies.write(framed, pos + 4, length);
                pos += 4 + length;
            }
            lengthBodies = bodies.toByteArray();
            byte[] lines = Inputs.lines(FRAMES, 3);
            lineChunks = Inputs.randomSplits(lines, MAX_READ, 4);
            ByteArrayOutputStream stripped = new ByteArrayOutputStream();
            for (byte b : lines) {
                if (b != '\n') {
                    stripped.write(b);
                }
            }
            lineBodies = stripped.toByteArray();
        }
    }

    /** Weft decoders. */
    @State(Scope.Thread)
    public static class Weft {
        IdleChannel idle;
        final WeftSink sink = new WeftSink();
        LengthFieldFrameDecoder lengthDecoder;
        DirectContext lengthCtx;
        LineFrameDecoder lineDecoder;
        DirectContext lineCtx;

        @Setup(Level.Trial)
        public void setUp(Data data) throws Exception {
            idle = new IdleChannel();
            lengthDecoder = new LengthFieldFrameDecoder(MAX_FRAME, 4);
            lengthCtx = new DirectContext(lengthDecoder, idle.channel, sink, Weft::unexpected);
            lineDecoder = new LineFrameDecoder(MAX_FRAME);
            lineCtx = new DirectContext(lineDecoder, idle.channel, sink, Weft::unexpected);
            sink.check = new ByteArrayOutputStream();
            feed(lengthDecoder, lengthCtx, data.lengthChunks, sink);
            verify("Weft length-field", data.lengthBodies, sink);
            sink.check = new ByteArrayOutputStream();
            feed(lineDecoder, lineCtx, data.lineChunks, sink);
            verify("Weft line", data.lineBodies, sink);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            idle.close();
        }

        private static void unexpected(Object msg) {
            throw new IllegalStateException("decoder wrote " + msg);
        }
    }

    /** Netty decoders, each in an {@link EmbeddedChannel} with a counting sink. */
    @State(Scope.Thread)
    public static class Netty {
        final NettySink lengthSink = new NettySink();
        final NettySink lineSink = new NettySink();
        EmbeddedChannel lengthChannel;
        EmbeddedChannel lineChannel;

        @Setup(Level.Trial)
        public void setUp(Data data) {
            lengthChannel = new EmbeddedChannel(new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 4, 0, 4), lengthSink);
            lineChannel = new EmbeddedChannel(new LineBasedFrameDecoder(MAX_FRAME), lineSink);
            lengthSink.check = new ByteArrayOutputStream();
            feed(lengthChannel, data.lengthChunks, lengthSink);
            verify("Netty length-field", data.lengthBodies, lengthSink.frames, lengthSink.check);
            lengthSink.check = null;
            lineSink.check = new ByteArrayOutputStream();
            feed(lineChannel, data.lineChunks, lineSink);
            verify("Netty line", data.lineBodies, lineSink.frames, lineSink.check);
            lineSink.check = null;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            lengthChannel.finishAndReleaseAll();
            lineChannel.finishAndReleaseAll();
        }
    }

    static void verify(String what, byte[] expected, WeftSink sink) {
        verify(what, expected, sink.frames, sink.check);
        sink.check = null;
    }

    static void verify(String what, byte[] expected, long frames, ByteArrayOutputStream check) {
        if (frames != FRAMES || !Arrays.equals(expected, check.toByteArray())) {
            throw new IllegalStateException(what + " decoded " + frames + " frames, or different bytes");
        }
    }

    static long feed(Handler decoder, DirectContext ctx, List<byte[]> chunks, WeftSink sink) throws Exception {
        sink.frames = 0;
        for (int i = 0, n = chunks.size(); i < n; i++) {
            byte[] chunk = chunks.get(i);
            Buffer buffer = PooledAllocator.DEFAULT.allocate(chunk.length);
            buffer.writeBytes(chunk);
            decoder.channelRead(ctx, buffer);
        }
        decoder.channelReadComplete(ctx);
        return sink.frames;
    }

    static long feed(EmbeddedChannel channel, List<byte[]> chunks, NettySink sink) {
        sink.frames = 0;
        for (int i = 0, n = chunks.size(); i < n; i++) {
            byte[] chunk = chunks.get(i);
            ByteBuf buffer = PooledByteBufAllocator.DEFAULT.directBuffer(chunk.length);
            buffer.writeBytes(chunk);
            channel.pipeline().fireChannelRead(buffer);
        }
        channel.pipeline().fireChannelReadComplete();
        return sink.frames;
    }

    @Benchmark
    public long weftLengthField(Data data, Weft weft) throws Exception {
        return feed(weft.lengthDecoder, weft.lengthCtx, data.lengthChunks, weft.sink);
    }

    @Benchmark
    public long nettyLengthField(Data data, Netty netty) {
        return feed(netty.lengthChannel, data.lengthChunks, netty.lengthSink);
    }

    @Benchmark
    public long weftLine(Data data, Weft weft) throws Exception {
        return feed(weft.lineDecoder, weft.lineCtx, data.lineChunks, weft.sink);
    }

    @Benchmark
    public long nettyLine(Data data, Netty netty) {
        return feed(netty.lineChannel, data.lineChunks, netty.lineSink);
    }

    /** Counts and releases frames; in setup also keeps their bytes. */
    static final class WeftSink implements java.util.function.Consumer<Object> {
        long frames;
        long sum;
        ByteArrayOutputStream check;

        @Override
        public void accept(Object msg) {
            Buffer frame = (Buffer) msg;
            frames++;
            sum += frame.readableBytes();
            if (check != null) {
                check.writeBytes(frame.readAllBytes());
            }
            frame.release();
        }
    }

    /** Netty twin of {@link WeftSink}. */
    static final class NettySink extends ChannelInboundHandlerAdapter {
        long frames;
        long sum;
        ByteArrayOutputStream check;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            frames++;
            sum += frame.readableBytes();
            if (check != null) {
                byte[] bytes = new byte[frame.readableBytes()];
                frame.readBytes(bytes);
                check.writeBytes(bytes);
            }
            frame.release();
        }
    }
}
