package io.weft.benchmarks.transport;

import io.weft.balance.BackendSet;
import io.weft.benchmarks.NettyTransport;
import io.weft.balance.BalanceStrategy;
import io.weft.bootstrap.Server;
import io.weft.loop.EventLoopGroup;
import io.weft.proxy.TcpProxy;
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
 * The echo round trip of {@link EchoBenchmark} with a TCP proxy in the middle: client → proxy → echo server and
 * back. Weft runs its {@link TcpProxy} (one loop, round-robin over the one echo backend); Netty runs its
 * {@code HexDumpProxy} example pattern ({@link NettyHexDumpProxy}, one loop) on each of its 4.2 transports
 * ({@code transport}: nio, epoll, io_uring). Client and echo server are each
 * framework's own, exactly as in {@link EchoBenchmark}, so the difference from that benchmark is the proxy's cost.
 * Setup checks every echoed byte of three round trips through the proxy.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dweft.leakDetection=off", "-Dio.netty.leakDetection.level=disabled",
        "-Xms1g", "-Xmx1g"})
public class ProxyBenchmark {

    /** Weft state: echo rig plus a Weft TCP proxy. */
    @State(Scope.Benchmark)
    public static class WeftState {
        @Param({"64", "16384"})
        int payload;
        @Param({"1", "16"})
        int connections;
        EventLoopGroup proxyGroup;
        Server proxy;
        WeftEchoRig rig;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            proxyGroup = new EventLoopGroup(1);
            rig = new WeftEchoRig(payload, connections, echo -> {
                BackendSet backends = new BackendSet(BalanceStrategy.roundRobin());
                backends.add(echo);
                proxy = Server.builder().group(proxyGroup).childHandler(TcpProxy.builder(backends).build())
                        .bind("127.0.0.1", 0);
                return proxy.localAddress();
            });
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            rig.close();
            proxy.close();
            proxyGroup.close();
        }
    }

    /** Netty state: echo rig plus a HexDumpProxy-style proxy. */
    @State(Scope.Benchmark)
    public static class NettyState {
        @Param({"64", "16384"})
        int payload;
        @Param({"1", "16"})
        int connections;
        @Param({"nio", "epoll", "io_uring"})
        String transport;
        NettyHexDumpProxy proxy;
        NettyEchoRig rig;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            NettyTransport t = NettyTransport.of(transport).requireAvailable();
            rig = new NettyEchoRig(t, payload, connections, echo -> {
                try {
                    proxy = new NettyHexDumpProxy(t, echo);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return proxy.address();
            });
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            rig.close();
            proxy.close();
        }
    }

    @Benchmark
    public long weftProxy(WeftState state) {
        return state.rig.roundTrip();
    }

    @Benchmark
    public long nettyProxy(NettyState state) {
        return state.rig.roundTrip();
    }
}
