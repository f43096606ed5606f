package io.weft.benchmarks.transport;

import io.weft.benchmarks.NettyTransport;
import io.weft.loop.EventLoopGroup;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The floor under {@link EchoBenchmark}: the same hand-off (the JMH thread gives a pre-built task to an idle event
 * loop, parks, and is unparked by the loop) with no socket in between. It measures cross-thread task submission
 * and selector wake-up of each framework, and shows how much of the echo rows' time and bytes per operation is
 * the harness rather than I/O.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dweft.leakDetection=off", "-Dio.netty.leakDetection.level=disabled",
        "-Xms1g", "-Xmx1g"})
public class HandoffBenchmark {

    /** An idle loop, a waiter and the task that counts it down. */
    abstract static class Rig {
        final Waiter waiter = new Waiter();
        final Runnable task = waiter::countDown;
        Executor loop;
        long ops;

        long handoff() {
            waiter.arm(1);
            loop.execute(task);
            waiter.await();
            return ++ops;
        }
    }

    /** Weft state. */
    @State(Scope.Benchmark)
    public static class WeftState extends Rig {
        EventLoopGroup group;

        @Setup(Level.Trial)
        public void setUp() {
            group = new EventLoopGroup(1);
            loop = group.next();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            group.close();
        }
    }

    /** Netty state. */
    @State(Scope.Benchmark)
    public static class NettyState extends Rig {
        io.netty.channel.EventLoopGroup group;

        @Setup(Level.Trial)
        public void setUp() {
            group = NettyTransport.NIO.group(1);
            loop = group.next();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    @Benchmark
    public long weftHandoff(WeftState state) {
        return state.handoff();
    }

    @Benchmark
    public long nettyHandoff(NettyState state) {
        return state.handoff();
    }
}
