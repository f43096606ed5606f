package io.weft.benchmarks.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.weft.buffer.Buffer;
import io.weft.buffer.UnpooledAllocator;
import io.weft.codec.checksum.ChecksumDecoder;
import io.weft.codec.checksum.ChecksumPosition;
import io.weft.codec.checksum.ChecksumType;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;
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
 * Checksum verification of one frame ({@code size} payload bytes followed by a 4-byte big-endian CRC) in memory.
 *
 * <p>Weft: its {@link ChecksumDecoder} stage (CRC32 / CRC32C through the JDK intrinsics over the buffer's direct
 * memory; strips the checksum without copying). Netty 4.1 has no checksum stage of its own (its {@code Crc32c}
 * and {@code ByteBufChecksum} are package-private), so the Netty side is the same logic written the way a Netty
 * user would: a handler in an {@link EmbeddedChannel} that runs {@code java.util.zip.CRC32}/{@code CRC32C} over
 * {@code ByteBuf.internalNioBuffer} and strips the checksum. These rows therefore compare the stage plumbing and
 * buffer access more than the CRC itself. Each operation verifies the same direct frame (retained, then restored
 * and released by the sink); setup checks that a corrupted copy is rejected by both sides.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dweft.leakDetection=off", "-Dio.netty.leakDetection.level=disabled",
        "-Xms1g", "-Xmx1g"})
public class ChecksumBenchmark {

    /** Frame contents. */
    @State(Scope.Benchmark)
    public static class Data {
        @Param({"64", "4096", "1048576"})
        int size;
        @Param({"CRC32", "CRC32C"})
        String type;
        byte[] frame;

        @Setup(Level.Trial)
        public void setUp() {
            byte[] payload = new byte[size];
            new Random(size).nextBytes(payload);
            Checksum crc = "CRC32".equals(type) ? new CRC32() : new CRC32C();
            crc.update(payload, 0, size);
            int value = (int) crc.getValue();
            frame = new byte[size + 4];
            System.arraycopy(payload, 0, frame, 0, size);
            frame[size] = (byte) (value >>> 24);
            frame[size + 1] = (byte) (value >>> 16);
            frame[size + 2] = (byte) (value >>> 8);
            frame[size + 3] = (byte) value;
        }
    }

    /** Weft stage and frame. */
    @State(Scope.Thread)
    public static class Weft {
        IdleChannel idle;
        ChecksumDecoder decoder;
        DirectContext ctx;
        Buffer frame;
        final Sink sink = new Sink();

        @Setup(Level.Trial)
        public void setUp(Data data) throws Exception {
            idle = new IdleChannel();
            decoder = new ChecksumDecoder(ChecksumType.valueOf(data.type), ChecksumPosition.APPEND);
            ctx = new DirectContext(decoder, idle.channel, sink, msg -> {
                throw new IllegalStateException("decoder wrote " + msg);
            });
            frame = UnpooledAllocator.INSTANCE.copyOf(data.frame);
            if (verifyOnce(this) != data.size) {
                throw new IllegalStateException("Weft checksum stage passed on the wrong payload");
            }
            Buffer corrupt = UnpooledAllocator.INSTANCE.copyOf(data.frame);
            corrupt.setByte(0, corrupt.getByte(0) ^ 1);
            ChecksumDecoder fresh = new ChecksumDecoder(ChecksumType.valueOf(data.type), ChecksumPosition.APPEND);
            boolean rejected = false;
            try {
                fresh.channelRead(new DirectContext(fresh, idle.channel, sink, msg -> { }), corrupt);
            } catch (IllegalStateException expected) {
                rejected = true;
            }
            if (!rejected) {
                throw new IllegalStateException("Weft checksum stage accepted a corrupted frame");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            frame.release();
            idle.close();
        }

        /** Restores the stripped checksum so the same frame can be verified again, and drops the reference. */
        static final class Sink implements Consumer<Object> {
            int payload;

            @Override
            public void accept(Object msg) {
                Buffer b = (Buffer) msg;
                payload = b.readableBytes();
                b.writerIndex(b.writerIndex() + 4);
                b.release();
            }
        }
    }

    /** Netty handler and frame. */
    @State(Scope.Thread)
    public static class Netty {
        EmbeddedChannel channel;
        ByteBuf frame;
        final Sink sink = new Sink();

        @Setup(Level.Trial)
        public void setUp(Data data) {
            channel = new EmbeddedChannel(new Verifier("CRC32".equals(data.type) ? new CRC32() : new CRC32C()), sink);
            frame = Unpooled.directBuffer(data.frame.length).writeBytes(data.frame);
            if (verifyOnce(this) != data.size) {
                throw new IllegalStateException("Netty checksum handler passed on the wrong payload");
            }
            ByteBuf corrupt = Unpooled.directBuffer(data.frame.length).writeBytes(data.frame);
            corrupt.setByte(0, corrupt.getByte(0) ^ 1);
            EmbeddedChannel fresh = new EmbeddedChannel(
                    new Verifier("CRC32".equals(data.type) ? new CRC32() : new CRC32C()));
            try {
                fresh.writeInbound(corrupt);
                fresh.checkException();
                throw new IllegalStateException("Netty checksum handler accepted a corrupted frame");
            } catch (IllegalArgumentException expected) {
                // rejected, as it should be
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            frame.release();
            channel.finishAndReleaseAll();
        }

        /** Verifies and strips a trailing 4-byte CRC; the same logic as Weft's stage. */
        static final class Verifier extends ChannelInboundHandlerAdapter {
            private final Checksum checksum;

            Verifier(Checksum checksum) {
                this.checksum = checksum;
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf frame = (ByteBuf) msg;
                int length = frame.readableBytes();
                int start = frame.readerIndex();
                int expected = frame.getInt(start + length - 4);
                checksum.reset();
                checksum.update(frame.internalNioBuffer(start, length - 4));
                int actual = (int) checksum.getValue();
                if (expected != actual) {
                    frame.release();
                    throw new IllegalArgumentException("checksum mismatch");
                }
                frame.writerIndex(frame.writerIndex() - 4);
                ctx.fireChannelRead(frame);
            }
        }

        /** Netty twin of Weft's sink. */
        static final class Sink extends ChannelInboundHandlerAdapter {
            int payload;

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf b = (ByteBuf) msg;
                payload = b.readableBytes();
                b.writerIndex(b.writerIndex() + 4);
                b.release();
            }
        }
    }

    static int verifyOnce(Weft weft) {
        weft.frame.retain();
        weft.decoder.channelRead(weft.ctx, weft.frame);
        return weft.sink.payload;
    }

    static int verifyOnce(Netty netty) {
        netty.frame.retain();
        netty.channel.pipeline().fireChannelRead(netty.frame);
        return netty.sink.payload;
    }

    @Benchmark
    public int weftVerify(Weft weft) {
        return verifyOnce(weft);
    }

    @Benchmark
    public int nettyVerify(Netty netty) {
        return verifyOnce(netty);
    }
}
