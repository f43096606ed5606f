package io.weft.benchmarks.transport;

import io.weft.benchmarks.NettyTransport;
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
 * Echo round trips over loopback, Weft against Netty with identical parameters.
 *
 * <p>Each side runs one server loop that writes every read back (flushing once per read batch) and one client
 * loop holding {@code connections} connections. One benchmark operation sends {@code payload} bytes on
 * <em>every</em> connection at once (so with 16 connections, 16 messages are in flight) and returns when every
 * connection has received its complete echo. Messages per second are therefore {@code score × connections}. The
 * JMH thread starts the operation by handing one pre-built task to each client loop and then parks; the loops
 * unpark it, so no thread spins and the per-operation work is the framework's.
 *
 * <p>Setup sends three round trips per connection and compares every echoed byte with what was sent. Netty runs on
 * each of its 4.2 transports ({@code transport}: nio, epoll, io_uring).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dweft.leakDetection=off", "-Dio.netty.leakDetection.level=disabled",
        "-Xms1g", "-Xmx1g"})
public class EchoBenchmark {

    /** Weft state. */
    @State(Scope.Benchmark)
    public static class WeftState {
        @Param({"64", "1024", "16384"})
        int payload;
        @Param({"1", "16"})
        int connections;
        WeftEchoRig rig;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            rig = new WeftEchoRig(payload, connections);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            rig.close();
        }
    }

    /** Netty state. */
    @State(Scope.Benchmark)
    public static class NettyState {
        @Param({"64", "1024", "16384"})
        int payload;
        @Param({"1", "16"})
        int connections;
        @Param({"nio", "epoll", "io_uring"})
        String transport;
        NettyEchoRig rig;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            rig = new NettyEchoRig(NettyTransport.of(transport), payload, connections);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            rig.close();
        }
    }

    @Benchmark
    public long weftEcho(WeftState state) {
        return state.rig.roundTrip();
    }

    @Benchmark
    public long nettyEcho(NettyState state) {
        return state.rig.roundTrip();
    }
}
