package io.weft.codec.http.proxy;

import io.weft.balance.Backend;
import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoop;
import io.weft.loop.ScheduledTask;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Idle keep-alive backend connections, per event loop and per backend. A loop's part is touched only on that loop,
 * so taking and returning a connection needs no lock; the map of loops is concurrent. Bounded: at most
 * {@code maxIdle} per backend and loop, each closed after {@code idleTimeout}.
 */
final class ConnectionPool {

    private final int maxIdle;
    private final long idleTimeoutNanos;
    private final ConcurrentHashMap<EventLoop, Map<Backend, ArrayDeque<BackendConnection>>> loops =
            new ConcurrentHashMap<>();
    private final AtomicInteger idle = new AtomicInteger();

    ConnectionPool(int maxIdle, Duration idleTimeout) {
        this.maxIdle = maxIdle;
        this.idleTimeoutNanos = idleTimeout.toNanos();
    }

    private ArrayDeque<BackendConnection> deque(EventLoop loop, Backend backend) {
        return loops.computeIfAbsent(loop, l -> new HashMap<>()).computeIfAbsent(backend, b -> new ArrayDeque<>());
    }

    /** An idle open connection to {@code backend} on {@code loop}, most recently used first; on the loop. */
    BackendConnection take(EventLoop loop, Backend backend) {
        ArrayDeque<BackendConnection> deque = deque(loop, backend);
        BackendConnection c;
        while ((c = deque.pollFirst()) != null) {
            idle.decrementAndGet();
            c.cancelIdleTimer();
            if (c.channel().isActive()) {
                return c;
            }
        }
        return null;
    }

    /** Keeps {@code c} for reuse, or closes it when the pool for its backend is full; on the loop. */
    void offer(BackendConnection c) {
        if (maxIdle == 0 || !c.channel().isActive()) {
            c.channel().close();
            return;
        }
        ArrayDeque<BackendConnection> deque = deque(c.channel().loop(), c.backend());
        if (deque.size() >= maxIdle) {
            c.channel().close();
            return;
        }
        deque.addFirst(c);
        idle.incrementAndGet();
        ScheduledTask timer = c.channel().loop().schedule(() -> {
            if (remove(c)) {
                c.channel().close();
            }
        }, idleTimeoutNanos, TimeUnit.NANOSECONDS);
        c.idleTimer(timer);
    }

    /** Forgets {@code c} if it is idle in the pool (it closed); on the loop. Returns whether it was. */
    boolean remove(BackendConnection c) {
        Map<Backend, ArrayDeque<BackendConnection>> byBackend = loops.get(c.channel().loop());
        ArrayDeque<BackendConnection> deque = byBackend == null ? null : byBackend.get(c.backend());
        if (deque != null && deque.remove(c)) {
            idle.decrementAndGet();
            c.cancelIdleTimer();
            return true;
        }
        return false;
    }

    int idleCount() {
        return idle.get();
    }

    /** Closes every idle connection, each on its own loop. */
    void closeAll() {
        for (Map.Entry<EventLoop, Map<Backend, ArrayDeque<BackendConnection>>> entry : loops.entrySet()) {
            Map<Backend, ArrayDeque<BackendConnection>> byBackend = entry.getValue();
            Runnable closeAll = () -> {
                for (ArrayDeque<BackendConnection> deque : byBackend.values()) {
                    BackendConnection c;
                    while ((c = deque.pollFirst()) != null) {
                        idle.decrementAndGet();
                        c.cancelIdleTimer();
                        c.channel().close();
                    }
                }
            };
            if (entry.getKey().inLoop()) {
                closeAll.run();
            } else if (!entry.getKey().isShuttingDown()) {
                entry.getKey().execute(closeAll);
            }
        }
    }
}
