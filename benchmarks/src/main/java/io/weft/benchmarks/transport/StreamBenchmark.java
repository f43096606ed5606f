package io.weft.benchmarks.transport;

import io.weft.benchmarks.NettyTransport;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Streaming throughput over one loopback connection, Weft against Netty with identical parameters.
 *
 * <p>The client loop writes {@code chunk}-byte pooled buffers (filled from a template) for as long as the channel
 * is writable (watermarks 32 KiB / 64 KiB on both sides), flushes, and resumes on writability-changed; the server
 * counts and releases what it reads. One invocation streams {@value #BATCH_MIB} MiB and waits until the server has
 * read the last byte; it counts as {@value #BATCH_MIB} operations, so <b>the score is MiB/s</b> and
 * {@code gc.alloc.rate.norm} is bytes allocated per MiB streamed. Setup checks that one chunk arrives byte-exact.
 *
 * <p>The receiving side's adaptive buffer is bounded by {@code receiveMax} on both frameworks (both default to
 * 64 KiB; Weft's default was 256 KiB until the echo measurements of docs/performance.md), and Netty runs on each of its 4.2 transports ({@code transport}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dweft.leakDetection=off", "-Dio.netty.leakDetection.level=disabled",
        "-Xms1g", "-Xmx1g"})
public class StreamBenchmark {

    static final int BATCH_MIB = 8;
    private static final long BATCH_BYTES = BATCH_MIB * 1024L * 1024L;

    /** Weft state. */
    @State(Scope.Benchmark)
    public static class WeftState {
        @Param({"1024", "65536"})
        int chunk;
        @Param({"65536", "262144"})
        int receiveMax;
        WeftStreamRig rig;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            rig = new WeftStreamRig(chunk, receiveMax);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            rig.close();
        }
    }

    /** Netty state. */
    @State(Scope.Benchmark)
    public static class NettyState {
        @Param({"1024", "65536"})
        int chunk;
        @Param({"65536", "262144"})
        int receiveMax;
        @Param({"nio", "epoll", "io_uring"})
        String transport;
        NettyStreamRig rig;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            rig = new NettyStreamRig(NettyTransport.of(transport), chunk, receiveMax);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            rig.close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH_MIB)
    public long weftStream(WeftState state) {
        return state.rig.send(BATCH_BYTES);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH_MIB)
    public long nettyStream(NettyState state) {
        return state.rig.send(BATCH_BYTES);
    }
}
