package io.weft.bootstrap;

import io.weft.loop.EventLoop;
import io.weft.loop.ScheduledTask;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a {@link NameResolver} off the event loops: on a process-wide pool of at most {@value #THREADS} daemon
 * threads with a queue of at most {@value #QUEUE} lookups, behind a small cache of recent answers (by default 256
 * names for 30 s) and a timeout timed on the caller's loop. Lookups of one name already in flight are shared.
 */
final class Resolution {

    static final int THREADS = 4;
    static final int QUEUE = 1024;

    private static final AtomicInteger THREAD_IDS = new AtomicInteger();
    private static final ThreadPoolExecutor POOL = newPool();

    private final NameResolver resolver;
    private final long ttlNanos;
    private final long timeoutMillis;
    private final int maxEntries;
    /** Answers and lookups in flight, least recently used first; guarded by {@code this}. */
    private final LinkedHashMap<String, Entry> cache;

    private record Entry(CompletableFuture<InetAddress> address, long expiresNanos) {
    }

    Resolution(NameResolver resolver, long ttlMillis, int maxEntries, long timeoutMillis) {
        this.resolver = resolver;
        this.ttlNanos = TimeUnit.MILLISECONDS.toNanos(ttlMillis);
        this.timeoutMillis = timeoutMillis;
        this.maxEntries = maxEntries;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > Resolution.this.maxEntries;
            }
        };
    }

    private static ThreadPoolExecutor newPool() {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(QUEUE), r -> {
                    Thread t = new Thread(r, "weft-resolver-" + THREAD_IDS.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /**
     * The address of {@code host}: at once from the cache, otherwise from a resolver thread. Fails with an
     * {@link UnknownHostException} if the name does not resolve or the lookup takes longer than the timeout (timed
     * on {@code loop}), or with a {@link RejectedExecutionException} if {@value #QUEUE} lookups are already waiting.
     */
    CompletableFuture<InetAddress> resolve(String host, EventLoop loop) {
        CompletableFuture<InetAddress> lookup;
        synchronized (this) {
            Entry entry = cache.get(host);
            long now = System.nanoTime();
            if (entry != null && (!entry.address.isDone() || now - entry.expiresNanos < 0)) {
                lookup = entry.address;
            } else {
                lookup = new CompletableFuture<>();
                cache.put(host, new Entry(lookup, now + ttlNanos));
                start(host, lookup);
            }
        }
        if (lookup.isDone()) {
            return lookup;
        }
        // A caller's timeout must not fail the shared lookup: each caller gets its own future.
        CompletableFuture<InetAddress> result = new CompletableFuture<>();
        ScheduledTask timer = loop.schedule(() -> result.completeExceptionally(new UnknownHostException(
                host + ": name resolution took longer than " + timeoutMillis + " ms")), timeoutMillis,
                TimeUnit.MILLISECONDS);
        lookup.whenComplete((address, error) -> {
            timer.cancel();
            if (error == null) {
                result.complete(address);
            } else {
                result.completeExceptionally(error);
            }
        });
        return result;
    }

    private void start(String host, CompletableFuture<InetAddress> lookup) {
        try {
            POOL.execute(() -> {
                try {
                    lookup.complete(resolver.resolve(host));
                } catch (Throwable t) {
                    forget(host, lookup);
                    lookup.completeExceptionally(t instanceof UnknownHostException ? t
                            : (UnknownHostException) new UnknownHostException(host + ": " + t).initCause(t));
                }
            });
        } catch (RejectedExecutionException e) {
            forget(host, lookup);
            lookup.completeExceptionally(new RejectedExecutionException(
                    "more than " + QUEUE + " name lookups waiting; refused " + host, e));
        }
    }

    /** Failures are not cached: the next connect asks again. */
    private synchronized void forget(String host, CompletableFuture<InetAddress> lookup) {
        Entry entry = cache.get(host);
        if (entry != null && entry.address == lookup) {
            cache.remove(host);
        }
    }
}
