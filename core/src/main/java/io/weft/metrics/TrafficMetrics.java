package io.weft.metrics;

import io.weft.buffer.Buffer;
import io.weft.buffer.BufferHolder;
import io.weft.channel.Channel;
import io.weft.channel.FileRegion;
import io.weft.handler.access.IpFilter;
import io.weft.loop.EventLoop;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Traffic and event-loop metrics for one server (or client), readable through this plain Java API, as JMX MBeans
 * ({@link #registerMBeans}) and as Prometheus text ({@link PrometheusFormat}).
 *
 * <p>Connections and bytes are counted by a {@link #newTrafficHandler() traffic handler} placed <b>first</b> in
 * each pipeline (it sees raw bytes); decoded messages and exceptions by an optional
 * {@link #newMessageCounter() message counter} placed just before the application handler:
 *
 * <pre>{@code
 * TrafficMetrics metrics = new TrafficMetrics("api");
 * metrics.monitor("workers", workerGroup);               // per-loop metrics and the loop-lag probe
 * Server.builder().group(workerGroup).childHandler(ch -> ch.pipeline()
 *         .addLast("traffic", metrics.newTrafficHandler())
 *         .addLast("http", new HttpServerCodec())
 *         .addLast("messages", metrics.newMessageCounter())
 *         .addLast("app", new MyHandler()));
 * metrics.registerMBeans();                              // optional: io.weft:type=Traffic,name="api"
 * }</pre>
 *
 * <p>What is counted: a connection opens when its traffic handler sees the channel active and closes when it sees
 * it inactive; bytes read are the bytes of every buffer (or datagram) the transport delivered, bytes written those
 * handed to the transport by {@code write} (queued, not necessarily on the wire yet); messages read and written are
 * the objects passing the message counter. Exceptions are counted by type where they pass the message counter, or
 * the traffic handler when a pipeline has no message counter; at most {@value #MAX_ERROR_TYPES} distinct types are
 * kept, the rest count under {@code "other"}.
 *
 * <p><b>Bounded memory:</b> one {@link ChannelStats} per open channel (dropped when it closes), one
 * {@link LoopStats} per monitored loop, the capped error-type table. <b>Thread safety:</b> all methods may be
 * called from any thread; handlers run on their channel's loop.
 */
public final class TrafficMetrics implements AutoCloseable {

    /** Distinct exception types counted separately; the rest count as {@code "other"}. */
    public static final int MAX_ERROR_TYPES = 64;
    /** Default interval of the loop-lag probe. */
    public static final long DEFAULT_PROBE_INTERVAL_MILLIS = 100;

    private final String name;
    final LongAdder opened = new LongAdder();
    final LongAdder closed = new LongAdder();
    final LongAdder bytesRead = new LongAdder();
    final LongAdder bytesWritten = new LongAdder();
    final LongAdder messagesRead = new LongAdder();
    final LongAdder messagesWritten = new LongAdder();
    private final ConcurrentHashMap<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, ChannelStats> channels = new ConcurrentHashMap<>();
    private final List<LoopStats> loops = new CopyOnWriteArrayList<>();
    private final List<IpFilter> filters = new CopyOnWriteArrayList<>();
    private final List<Custom> custom = new CopyOnWriteArrayList<>();
    private volatile Jmx jmx;

    /** Metrics named {@code name}; the name labels the JMX object names and the Prometheus series. */
    public TrafficMetrics(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name is required");
        }
        this.name = name;
    }

    /** The name given at construction. */
    public String name() {
        return name;
    }

    /** A new handler counting connections and bytes; add it first in each channel's pipeline (one per channel). */
    public Handler newTrafficHandler() {
        return new TrafficHandler(this);
    }

    /**
     * A new handler counting messages in and out and exceptions by type; add it just before the application
     * handler (one per channel). Optional.
     */
    public Handler newMessageCounter() {
        return new MessageCounter(this);
    }

    /** Monitors every loop of {@code group}, labelled {@code label}, with the default probe interval (100 ms). */
    public TrafficMetrics monitor(String label, EventLoopGroup group) {
        return monitor(label, group, DEFAULT_PROBE_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Monitors every loop of {@code group}: exposes its counters, labelled {@code label} and the loop's index in
     * the group, and schedules a lag probe on it every {@code interval} (one timer per loop; it stops when the loop
     * shuts down or {@link #close()} is called).
     */
    public TrafficMetrics monitor(String label, EventLoopGroup group, long interval, TimeUnit unit) {
        if (label == null || label.isEmpty()) {
            throw new IllegalArgumentException("label is required");
        }
        long nanos = unit.toNanos(interval);
        if (nanos <= 0) {
            throw new IllegalArgumentException("probe interval must be positive");
        }
        int index = 0;
        for (EventLoop loop : group.loops()) {
            LoopStats stats = new LoopStats(loop, label, index++, nanos);
            loops.add(stats);
            stats.start();
            Jmx j = jmx;
            if (j != null) {
                j.registerLoop(stats);
            }
        }
        return this;
    }

    /** Exposes the counters of {@code filter} with these metrics (Prometheus and JMX). */
    public TrafficMetrics watch(IpFilter filter) {
        filters.add(filter);
        return this;
    }

    /**
     * Adds a counter of your own to the Prometheus exposition (for example the rejections of a
     * {@code BasicAuth}), labelled like the built-in series.
     *
     * @param name  a Prometheus metric name ending in {@code _total}, not one of the built-in families
     * @param help  one line of help text
     * @param value read on every scrape, from the scraping thread: must be thread-safe and cheap
     * @throws IllegalArgumentException for a bad or already used name
     */
    public TrafficMetrics counter(String name, String help, java.util.function.LongSupplier value) {
        if (!name.endsWith("_total")) {
            throw new IllegalArgumentException("a counter's name ends in _total: " + name);
        }
        return addCustom(name, "counter", help, value);
    }

    /** Adds a gauge of your own to the Prometheus exposition; see {@link #counter}. */
    public TrafficMetrics gauge(String name, String help, java.util.function.LongSupplier value) {
        return addCustom(name, "gauge", help, value);
    }

    private synchronized TrafficMetrics addCustom(String name, String type, String help,
            java.util.function.LongSupplier value) {
        if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*") || PrometheusFormat.isBuiltIn(name)) {
            throw new IllegalArgumentException("not a usable metric name: " + name);
        }
        for (Custom c : custom) {
            if (c.name().equals(name)) {
                throw new IllegalArgumentException("metric " + name + " is already registered");
            }
        }
        custom.add(new Custom(name, type, help.replace('\n', ' '), value));
        return this;
    }

    /** A metric registered with {@link #counter} or {@link #gauge}. */
    record Custom(String name, String type, String help, java.util.function.LongSupplier value) {
    }

    List<Custom> custom() {
        return custom;
    }

    /** Connections opened so far. */
    public long connectionsOpened() {
        return opened.sum();
    }

    /** Connections closed so far. */
    public long connectionsClosed() {
        return closed.sum();
    }

    /** Connections open now. */
    public long activeConnections() {
        return Math.max(0, opened.sum() - closed.sum());
    }

    /** Bytes read from all channels. */
    public long bytesRead() {
        return bytesRead.sum();
    }

    /** Bytes written to all channels. */
    public long bytesWritten() {
        return bytesWritten.sum();
    }

    /** Messages read (counted by message counters). */
    public long messagesRead() {
        return messagesRead.sum();
    }

    /** Messages written (counted by message counters). */
    public long messagesWritten() {
        return messagesWritten.sum();
    }

    /** Exceptions counted, by exception class name, sorted by name. */
    public Map<String, Long> errors() {
        Map<String, Long> out = new TreeMap<>();
        errors.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** Exceptions counted, all types together. */
    public long errorCount() {
        long sum = 0;
        for (LongAdder a : errors.values()) {
            sum += a.sum();
        }
        return sum;
    }

    /** The open channels' counters, by channel id. */
    public List<ChannelStats> channels() {
        List<ChannelStats> out = new ArrayList<>(channels.values());
        out.sort((a, b) -> Long.compare(a.channelId(), b.channelId()));
        return out;
    }

    /** The counters of the open channel with {@code channelId}, or {@code null}. */
    public ChannelStats channel(long channelId) {
        return channels.get(channelId);
    }

    /** The monitored loops. */
    public List<LoopStats> loops() {
        return Collections.unmodifiableList(loops);
    }

    /** The watched IP filters. */
    public List<IpFilter> filters() {
        return Collections.unmodifiableList(filters);
    }

    /**
     * Registers MBeans with the platform MBean server: {@code io.weft:type=Traffic,name="NAME"} and one
     * {@code io.weft:type=EventLoop,name="NAME",group="LABEL",loop=INDEX} per monitored loop (also for loops monitored later).
     * Undone by {@link #close()}.
     *
     * @throws IllegalStateException if the names are taken (for example by another instance with the same name)
     */
    public synchronized TrafficMetrics registerMBeans() {
        if (jmx == null) {
            Jmx j = new Jmx(this);
            j.register();
            for (LoopStats stats : loops) {
                j.registerLoop(stats);
            }
            jmx = j;
        }
        return this;
    }

    /** Stops the lag probes and unregisters the MBeans. Counters stay readable. */
    @Override
    public synchronized void close() {
        for (LoopStats stats : loops) {
            stats.stop();
        }
        Jmx j = jmx;
        jmx = null;
        if (j != null) {
            j.unregister();
        }
    }

    void countError(Throwable cause) {
        String type = cause.getClass().getName();
        LongAdder adder = errors.get(type);
        if (adder == null) {
            if (errors.size() >= MAX_ERROR_TYPES) {
                type = "other";
            }
            adder = errors.computeIfAbsent(type, t -> new LongAdder());
        }
        adder.increment();
    }

    static long sizeOf(Object msg) {
        if (msg instanceof Buffer b) {
            return b.readableBytes();
        }
        if (msg instanceof BufferHolder h) {
            return h.content().readableBytes();
        }
        if (msg instanceof FileRegion r) {
            return r.remaining();
        }
        return 0;
    }

    /** Counts connections, bytes and (without a message counter) errors; first in the pipeline. */
    static final class TrafficHandler implements Handler {
        private final TrafficMetrics metrics;
        private ChannelStats stats;
        private boolean closed;

        TrafficHandler(TrafficMetrics metrics) {
            this.metrics = metrics;
        }

        ChannelStats stats() {
            return stats;
        }

        private void open(Channel channel) {
            if (stats == null && !closed) {
                stats = new ChannelStats(channel);
                metrics.channels.put(stats.channelId(), stats);
                metrics.opened.increment();
            }
        }

        private void close() {
            if (stats != null && !closed) {
                closed = true;
                metrics.channels.remove(stats.channelId(), stats);
                metrics.closed.increment();
            }
        }

        @Override
        public void handlerAdded(HandlerContext ctx) {
            if (ctx.channel().isActive()) {
                open(ctx.channel());
            }
        }

        @Override
        public void handlerRemoved(HandlerContext ctx) {
            close();
        }

        @Override
        public void channelActive(HandlerContext ctx) {
            open(ctx.channel());
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(HandlerContext ctx) {
            close();
            ctx.fireChannelInactive();
        }

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            long n = sizeOf(msg);
            metrics.bytesRead.add(n);
            ChannelStats s = stats;
            if (s != null) {
                s.bytesRead += n;
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(HandlerContext ctx, Object msg, java.util.concurrent.CompletableFuture<Void> promise) {
            long n = sizeOf(msg);
            metrics.bytesWritten.add(n);
            ChannelStats s = stats;
            if (s != null) {
                s.bytesWritten += n;
            }
            ctx.write(msg, promise);
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            ChannelStats s = stats;
            if (s == null || !s.messageCounterPresent) {
                metrics.countError(cause);
                if (s != null) {
                    s.errors++;
                }
            }
            ctx.fireExceptionCaught(cause);
        }
    }

    /** Counts messages and errors by type; just before the application handler. */
    static final class MessageCounter implements Handler {
        private final TrafficMetrics metrics;
        private TrafficHandler traffic;

        MessageCounter(TrafficMetrics metrics) {
            this.metrics = metrics;
        }

        private ChannelStats stats() {
            TrafficHandler t = traffic;
            return t == null ? null : t.stats();
        }

        @Override
        public void handlerAdded(HandlerContext ctx) {
            traffic = ctx.pipeline().get(TrafficHandler.class);
            ChannelStats s = stats();
            if (s != null) {
                s.messageCounterPresent = true;
            }
        }

        @Override
        public void channelActive(HandlerContext ctx) {
            ChannelStats s = stats();
            if (s != null) {
                s.messageCounterPresent = true;
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            metrics.messagesRead.increment();
            ChannelStats s = stats();
            if (s != null) {
                s.messagesRead++;
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(HandlerContext ctx, Object msg, java.util.concurrent.CompletableFuture<Void> promise) {
            metrics.messagesWritten.increment();
            ChannelStats s = stats();
            if (s != null) {
                s.messagesWritten++;
            }
            ctx.write(msg, promise);
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            metrics.countError(cause);
            ChannelStats s = stats();
            if (s != null) {
                s.errors++;
            }
            ctx.fireExceptionCaught(cause);
        }
    }
}
