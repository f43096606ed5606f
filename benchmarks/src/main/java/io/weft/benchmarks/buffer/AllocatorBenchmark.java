package io.weft.benchmarks.buffer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.weft.buffer.Buffer;
import io.weft.buffer.PooledAllocator;
import java.util.concurrent.TimeUnit;
import org.jctools.queues.SpscArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
 * Pooled direct buffers: Weft's {@link PooledAllocator} against Netty's {@link PooledByteBufAllocator}.
 *
 * <ul>
 *   <li>{@code weftLocal}/{@code nettyLocal}: allocate, write one long, release, all on one thread.</li>
 *   <li>{@code weftCross}/{@code nettyCross}: a JMH group of two threads; one allocates 64 buffers, writes a long
 *   into each and hands them through a bounded SPSC queue (1,024 slots), the other polls and releases them (Weft
 *   then returns the memory to the allocating thread's cache through its MPSC return queue). Both sides count one
 *   operation per buffer, so the group score is twice the buffers handed over per microsecond.</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dweft.leakDetection=off", "-Dio.netty.leakDetection.level=disabled",
        "-Xms1g", "-Xmx1g"})
public class AllocatorBenchmark {

    private static final int QUEUE = 1024;
    private static final int BATCH = 64;
    private static final int SPIN_LIMIT = 10_000_000;

    /** Size of each buffer. */
    @State(Scope.Benchmark)
    public static class Sizes {
        @Param({"256", "16384"})
        int size;
    }

    /** Hand-over queue for the Weft cross-thread group. */
    @State(Scope.Group)
    public static class WeftQueue {
        final SpscArrayQueue<Buffer> queue = new SpscArrayQueue<>(QUEUE);

        @TearDown(Level.Iteration)
        public void drain() {
            Buffer b;
            while ((b = queue.poll()) != null) {
                b.release();
            }
        }
    }

    /** Hand-over queue for the Netty cross-thread group. */
    @State(Scope.Group)
    public static class NettyQueue {
        final SpscArrayQueue<ByteBuf> queue = new SpscArrayQueue<>(QUEUE);

        @TearDown(Level.Iteration)
        public void drain() {
            ByteBuf b;
            while ((b = queue.poll()) != null) {
                b.release();
            }
        }
    }

    private static final PooledAllocator WEFT = PooledAllocator.DEFAULT;
    private static final PooledByteBufAllocator NETTY = PooledByteBufAllocator.DEFAULT;

    @Benchmark
    public int weftLocal(Sizes s) {
        Buffer b = WEFT.allocate(s.size);
        b.writeLong(42L);
        int n = b.readableBytes();
        b.release();
        return n;
    }

    @Benchmark
    public int nettyLocal(Sizes s) {
        ByteBuf b = NETTY.directBuffer(s.size);
        b.writeLong(42L);
        int n = b.readableBytes();
        b.release();
        return n;
    }

    @Benchmark
    @Group("weftCross")
    @GroupThreads(1)
    @OperationsPerInvocation(BATCH)
    public int weftCrossAlloc(Sizes s, WeftQueue q) {
        int handed = 0;
        for (int i = 0; i < BATCH; i++) {
            Buffer b = WEFT.allocate(s.size);
            b.writeLong(i);
            if (offer(q.queue, b)) {
                handed++;
            } else {
                b.release();
            }
        }
        return handed;
    }

    @Benchmark
    @Group("weftCross")
    @GroupThreads(1)
    @OperationsPerInvocation(BATCH)
    public int weftCrossRelease(WeftQueue q) {
        int released = 0;
        for (int i = 0; i < BATCH; i++) {
            Buffer b = poll(q.queue);
            if (b == null) {
                break;
            }
            released += b.readableBytes();
            b.release();
        }
        return released;
    }

    @Benchmark
    @Group("nettyCross")
    @GroupThreads(1)
    @OperationsPerInvocation(BATCH)
    public int nettyCrossAlloc(Sizes s, NettyQueue q) {
        int handed = 0;
        for (int i = 0; i < BATCH; i++) {
            ByteBuf b = NETTY.directBuffer(s.size);
            b.writeLong(i);
            if (offer(q.queue, b)) {
                handed++;
            } else {
                b.release();
            }
        }
        return handed;
    }

    @Benchmark
    @Group("nettyCross")
    @GroupThreads(1)
    @OperationsPerInvocation(BATCH)
    public int nettyCrossRelease(NettyQueue q) {
        int released = 0;
        for (int i = 0; i < BATCH; i++) {
            ByteBuf b = poll(q.queue);
            if (b == null) {
                break;
            }
            released += b.readableBytes();
            b.release();
        }
        return released;
    }

    /** Offers with a bounded spin, so a stopped peer cannot hang the iteration. */
    private static <T> boolean offer(SpscArrayQueue<T> queue, T item) {
        for (int spin = 0; spin < SPIN_LIMIT; spin++) {
            if (queue.offer(item)) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    private static <T> T poll(SpscArrayQueue<T> queue) {
        for (int spin = 0; spin < SPIN_LIMIT; spin++) {
            T item = queue.poll();
            if (item != null) {
                return item;
            }
            Thread.onSpinWait();
        }
        return null;
    }
}
