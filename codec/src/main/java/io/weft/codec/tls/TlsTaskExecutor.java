package io.weft.codec.tls;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code SSLEngine} delegated tasks (certificate checks, key agreement) off the event loops, on a fixed
 * number of daemon threads with a <b>bounded</b> queue. A {@link TlsHandler} hands it at most one batch of tasks
 * per connection at a time, so the queue holds at most one entry per connection that is handshaking. When it is
 * full, {@link #execute} throws {@link RejectedExecutionException} and the handler fails <em>that</em>
 * connection's handshake with a {@link TlsTaskRejectedException}; other connections and the server go on. A
 * handshake flood therefore costs at most {@code queueCapacity} queued batches, never an unbounded pile of CPU
 * work. Rejections are logged at WARN at most once every ten seconds.
 *
 * <p>{@link #shared()} is the default of every {@link TlsHandler.Builder}: {@link #DEFAULT_THREADS} threads
 * ({@code max(2, available processors)}, idle ones exit after 30 s) and a queue of
 * {@link #DEFAULT_QUEUE_CAPACITY}. Give a builder its own instance with
 * {@link TlsHandler.Builder#delegatedTaskExecutor} to isolate servers or size it differently. Thread-safe.
 */
public final class TlsTaskExecutor implements Executor {

    private static final Logger log = LoggerFactory.getLogger(TlsTaskExecutor.class);
    private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final AtomicInteger POOLS = new AtomicInteger();

    /** Threads of the shared executor: {@code max(2, availableProcessors)}. */
    public static final int DEFAULT_THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());
    /** Queue bound of the shared executor: task batches waiting for a thread. */
    public static final int DEFAULT_QUEUE_CAPACITY = 1024;

    private static final class Shared {
        static final TlsTaskExecutor INSTANCE = new TlsTaskExecutor(DEFAULT_THREADS, DEFAULT_QUEUE_CAPACITY);
    }

    private final ThreadPoolExecutor pool;
    private final int queueCapacity;
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong lastWarnNanos = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);

    /**
     * @param threads       worker threads (daemon; idle ones exit after 30 s), at least 1
     * @param queueCapacity task batches that may wait for a thread, at least 1
     */
    public TlsTaskExecutor(int threads, int queueCapacity) {
        if (threads < 1 || queueCapacity < 1) {
            throw new IllegalArgumentException("threads " + threads + " and queueCapacity " + queueCapacity
                    + " must both be at least 1");
        }
        this.queueCapacity = queueCapacity;
        int poolId = POOLS.incrementAndGet();
        AtomicInteger ids = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queueCapacity), r -> {
                    Thread t = new Thread(r, "weft-tls-task-" + poolId + "-" + ids.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        pool.allowCoreThreadTimeOut(true);
    }

    /** The executor every builder uses unless told otherwise; see the class comment for its size. */
    public static TlsTaskExecutor shared() {
        return Shared.INSTANCE;
    }

    /**
     * Queues {@code task}.
     *
     * @throws RejectedExecutionException if the queue is full or the executor shut down
     */
    @Override
    public void execute(Runnable task) {
        try {
            pool.execute(task);
        } catch (RejectedExecutionException e) {
            long n = rejected.incrementAndGet();
            long now = System.nanoTime();
            long last = lastWarnNanos.get();
            if (now - last >= WARN_INTERVAL_NANOS && lastWarnNanos.compareAndSet(last, now)) {
                log.warn("TLS delegated-task queue full ({} batches waiting for {} threads): failing new"
                        + " handshakes; {} rejected so far", queueCapacity, pool.getMaximumPoolSize(), n);
            }
            throw e;
        }
    }

    /** Task batches waiting for a thread now. */
    public int queuedTasks() {
        return pool.getQueue().size();
    }

    /** The queue's bound. */
    public int queueCapacity() {
        return queueCapacity;
    }

    /** Batches refused because the queue was full (or the executor shut down), since it was made. */
    public long rejectedTasks() {
        return rejected.get();
    }

    /** Stops taking tasks; queued ones still run. Not for {@link #shared()}, which lives as long as the JVM. */
    public void shutdown() {
        if (this == Shared.INSTANCE) {
            throw new IllegalStateException("the shared TLS task executor cannot be shut down");
        }
        pool.shutdown();
    }
}
