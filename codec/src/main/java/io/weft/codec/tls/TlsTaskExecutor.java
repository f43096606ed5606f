package io.weft.codec.tls;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The shared executor that runs {@code SSLEngine} delegated tasks off the loops: small, daemon, idle threads exit. */
final class TlsTaskExecutor {

    private static final Executor SHARED = create();

    private TlsTaskExecutor() {
    }

    static Executor shared() {
        return SHARED;
    }

    private static Executor create() {
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        AtomicInteger ids = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "weft-tls-task-" + ids.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
