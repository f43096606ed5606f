package io.weft.benchmarks.transport;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.channel.EmbeddedChannel;
import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
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
 * What the embedded-loop seam costs on the hot path. {@code EventLoop} is a sealed class with one other form,
 * {@code EmbeddedEventLoop}; once that class is loaded, and once the channel and pipeline code has run on both, the
 * JIT can no longer treat {@code loop.inLoop()} and {@code loop.execute()} (called on every pipeline hop and write)
 * as calls with one possible target. Each benchmark runs in a fresh JVM per {@code embeddedLoop} value:
 * <ul>
 *   <li>{@code unused}: no {@code EmbeddedEventLoop} is ever loaded (the state of a production server);</li>
 *   <li>{@code used}: before the warmup an {@link EmbeddedChannel} with the same kind of handlers echoes 50,000
 *       buffers, so the JIT's type profiles at the shared call sites hold both loop classes (the state of a test
 *       JVM, or of an application that uses embedded channels next to real ones); the warmup then makes the JIT
 *       recompile those sites for both. (Done once per trial, not per iteration, so that neither the allocation
 *       nor the CPU time of the embedded work is counted in B/op or CPU/op.)</li>
 * </ul>
 * {@code weftEcho} is {@link EchoBenchmark}'s echo (64 B, one connection), dominated by system calls;
 * {@code weftPipeline} is CPU only: one task on a real loop fires 4,096 reads through four pass-through handlers to
 * a sink (five {@code inLoop()} checks per read), so an extra type check per hop would show.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dweft.leakDetection=off", "-Xms1g", "-Xmx1g"})
public class SeamBenchmark {

    /** Reads fired per {@code weftPipeline} operation. */
    static final int READS = 4096;
    /** Buffers the embedded channel echoes before the warmup in the {@code used} state. */
    static final int EMBEDDED_ECHOES = 50_000;

    /** Whether an embedded loop is loaded and its channels exercised in this JVM. */
    @State(Scope.Benchmark)
    public static class Seam {
        @Param({"unused", "used"})
        String embeddedLoop;

        @Setup(Level.Trial)
        public void exerciseEmbeddedChannel() {
            if (!embeddedLoop.equals("used")) {
                return;
            }
            // Only this branch names EmbeddedChannel, so the "unused" JVM never loads EmbeddedEventLoop.
            EmbeddedWork.run();
        }
    }

    /** Kept in its own class so that loading SeamBenchmark does not load the embedded classes. */
    static final class EmbeddedWork {
        static void run() {
            EmbeddedChannel ch = new EmbeddedChannel(new Handler() { }, new Handler() { }, new Handler() { },
                    new Handler() { }, new WeftEchoRig.EchoServerHandler());
            ch.leakCheck(false);
            long bytes = 0;
            for (int i = 0; i < EMBEDDED_ECHOES; i++) {
                Buffer in = ch.allocator().allocate(64);
                in.writeLong(i);
                ch.writeInbound(in);
                Buffer out = ch.readOutbound();
                bytes += out.readableBytes();
                out.release();
            }
            ch.finish();
            if (bytes != 8L * EMBEDDED_ECHOES) {
                throw new IllegalStateException("embedded echo returned " + bytes + " bytes");
            }
        }
    }

    /** The echo rig of {@link EchoBenchmark}, 64 B on one connection. */
    @State(Scope.Benchmark)
    public static class Echo {
        WeftEchoRig rig;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            rig = new WeftEchoRig(64, 1);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            rig.close();
        }
    }

    /** A connected client channel whose pipeline is four pass-through handlers and a counting sink. */
    @State(Scope.Benchmark)
    public static class Reads {
        final Waiter waiter = new Waiter();
        final Sink sink = new Sink();
        EventLoopGroup group;
        Server server;
        TcpChannel channel;
        Runnable task;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            group = new EventLoopGroup(1);
            server = Server.builder().group(group).childHandler(ch -> { }).bind("127.0.0.1", 0);
            channel = Client.builder().group(group)
                    .handler(ch -> ch.pipeline().addLast(new Handler() { }).addLast(new Handler() { })
                            .addLast(new Handler() { }).addLast(new Handler() { }).addLast("sink", sink))
                    .connect(server.localAddress()).get(10, TimeUnit.SECONDS);
            Object msg = "read";
            task = () -> {
                for (int i = 0; i < READS; i++) {
                    channel.pipeline().fireChannelRead(msg);
                }
                channel.pipeline().fireChannelReadComplete();
                waiter.countDown();
            };
            long before = sink.reads;
            fire();
            if (sink.reads - before != READS) {
                throw new IllegalStateException("sink saw " + (sink.reads - before) + " reads, expected " + READS);
            }
        }

        long fire() {
            waiter.arm(1);
            channel.loop().execute(task);
            waiter.await();
            return sink.reads;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            channel.close();
            server.close();
            group.close();
        }
    }

    /** Counts and drops the reads that reach it (strings: nothing to release). */
    static final class Sink implements Handler {
        long reads;

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            reads++;
        }
    }

    @Benchmark
    public long weftEcho(Seam seam, Echo echo) {
        return echo.rig.roundTrip();
    }

    @Benchmark
    public long weftPipeline(Seam seam, Reads reads) {
        return reads.fire();
    }
}
