package io.weft.buffer;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds buffers that were never released.
 *
 * <p>Levels ({@link Level}): {@code OFF} tracks nothing; {@code SAMPLE} (the default) tracks about one
 * allocation in {@value #SAMPLE_INTERVAL}; {@code STRICT} tracks every allocation. A tracked buffer remembers the
 * stack trace of its allocation and the hints given to {@link Buffer#touch(Object)}. When a tracked buffer is
 * garbage-collected without having been released, the next allocation reports it as an error through SLF4J (and
 * to a {@linkplain #setReporter reporter}, if one is set). In strict mode {@link #outstanding()} also lists every
 * live, unreleased buffer, which lets a test suite assert that nothing leaked.
 *
 * <p>The level is read at start-up from the system property {@code weft.leakDetection}
 * ({@code off|sample|strict}) and can be changed at run time with {@link #setLevel(Level)}.
 */
public final class LeakDetector {

    /** How much tracking to do. */
    public enum Level {
        /** No tracking, no cost. */
        OFF,
        /** Track a sample of allocations: cheap enough for production. */
        SAMPLE,
        /** Track every allocation: for tests. */
        STRICT
    }

    static final int SAMPLE_INTERVAL = 128;
    private static final Logger log = LoggerFactory.getLogger(LeakDetector.class);

    private static volatile Level level = parse(System.getProperty("weft.leakDetection", "sample"));
    private static volatile Consumer<String> reporter;
    private static final ReferenceQueue<Buffer> collected = new ReferenceQueue<>();
    private static final Set<Record> live = ConcurrentHashMap.newKeySet();
    private static final ThreadLocal<List<WeakReference<Scope>>> SCOPES = new ThreadLocal<>();
    /** Scopes open on any thread; read on every allocation, so that no thread looks up its scopes needlessly. */
    private static final AtomicInteger OPEN_SCOPES = new AtomicInteger();

    private LeakDetector() {
    }

    private static Level parse(String value) {
        try {
            return Level.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Level.SAMPLE;
        }
    }

    /** The current level. */
    public static Level level() {
        return level;
    }

    /** Changes the level; buffers allocated before keep their tracking state. */
    public static void setLevel(Level newLevel) {
        level = newLevel;
    }

    /**
     * Sets a callback receiving each leak report (in addition to the log); {@code null} removes it. Tests use it
     * to fail on a leak.
     */
    public static void setReporter(Consumer<String> newReporter) {
        reporter = newReporter;
    }

    static Buffer track(Buffer buffer) {
        if (OPEN_SCOPES.get() != 0) {
            List<WeakReference<Scope>> scopes = SCOPES.get();
            if (scopes != null && !scopes.isEmpty()) {
                return trackInScopes(buffer, scopes);
            }
        }
        Level current = level;
        if (current == Level.OFF) {
            return buffer;
        }
        reportCollected();
        if (current == Level.SAMPLE && ThreadLocalRandom.current().nextInt(SAMPLE_INTERVAL) != 0) {
            return buffer;
        }
        Record record = new Record(buffer);
        live.add(record);
        buffer.leak = record;
        return buffer;
    }

    /** Tracks {@code buffer} whatever the level, and lists it in every scope open on this thread. */
    private static Buffer trackInScopes(Buffer buffer, List<WeakReference<Scope>> scopes) {
        reportCollected();
        Record record = new Record(buffer);
        live.add(record);
        buffer.leak = record;
        boolean pruned = false;
        for (WeakReference<Scope> ref : scopes) {
            Scope scope = ref.get();
            if (scope == null || scope.closed) {
                pruned = true;
            } else {
                scope.add(record);
            }
        }
        if (pruned) {
            pruneScopes(scopes);
        }
        return buffer;
    }

    private static void pruneScopes(List<WeakReference<Scope>> scopes) {
        // Close what was abandoned (collected without close()), so openScopes stays a true count.
        for (WeakReference<Scope> ref : scopes) {
            if (ref.get() == null) {
                OPEN_SCOPES.decrementAndGet();
            }
        }
        scopes.removeIf(ref -> ref.get() == null || ref.get().closed);
        if (scopes.isEmpty()) {
            SCOPES.remove();
        }
    }

    /**
     * Opens a leak-check scope on the calling thread: until it is closed, every buffer allocated on this thread is
     * tracked (whatever the {@linkplain #level() level}, with its allocation stack trace) and listed in the scope,
     * so that {@link Scope#unreleased()} can tell which of them were never released. Meant for single-threaded
     * tests, such as those driving an {@link io.weft.channel.EmbeddedChannel}, which opens one for itself.
     * Scopes may nest; a buffer is listed in each scope open on its thread.
     */
    public static Scope openScope() {
        Scope scope = new Scope(Thread.currentThread());
        List<WeakReference<Scope>> scopes = SCOPES.get();
        if (scopes == null) {
            scopes = new ArrayList<>(2);
            SCOPES.set(scopes);
        }
        scopes.add(new WeakReference<>(scope));
        OPEN_SCOPES.incrementAndGet();
        return scope;
    }

    /**
     * Buffers allocated on one thread while the scope was open; see {@link LeakDetector#openScope()}. Not
     * thread-safe: use it on the thread that opened it.
     */
    public static final class Scope implements AutoCloseable {
        private final Thread thread;
        /** Insertion-ordered; records compare by identity. */
        private final Set<Record> records = new LinkedHashSet<>();
        private int pruneAt = 1024;
        private volatile boolean closed;

        private Scope(Thread thread) {
            this.thread = thread;
        }

        void add(Record record) {
            records.add(record);
            if (records.size() >= pruneAt) {
                records.removeIf(Record::isClosed);
                pruneAt = Math.max(1024, records.size() * 2);
            }
        }

        /**
         * Lists {@code msg} in this scope too, if it is a buffer allocated before the scope opened (or on another
         * thread); anything else is ignored. A buffer that was not tracked yet is tracked from now on, with this
         * call as its allocation site.
         */
        public void adopt(Object msg) {
            if (!(msg instanceof Buffer buffer) || buffer.refCnt() == 0 || !buffer.isRoot()) {
                return;
            }
            Record record = buffer.leak;
            if (record == null) {
                record = new Record(buffer);
                live.add(record);
                buffer.leak = record;
            }
            add(record);
        }

        /**
         * Describes every buffer of this scope that is still unreleased (also those already garbage-collected
         * unreleased), each with the stack trace of its allocation; empty if none.
         */
        public List<String> unreleased() {
            List<String> result = new ArrayList<>();
            for (Record record : records) {
                if (!record.isClosed()) {
                    result.add(record.describe());
                }
            }
            return result;
        }

        /**
         * Like {@link #unreleased()}, leaving out the buffers of {@code stillOwned}: messages (buffers, or
         * {@link BufferHolder}s) that legitimately hold memory still, such as those waiting in a queue to be read.
         * A retained slice in {@code stillOwned} stands for the buffer it was cut from.
         */
        public List<String> unreleased(Collection<?> stillOwned) {
            if (stillOwned.isEmpty()) {
                return unreleased();
            }
            Set<Record> owned = Collections.newSetFromMap(new IdentityHashMap<>());
            for (Object msg : stillOwned) {
                Buffer buffer = msg instanceof Buffer b ? b : msg instanceof BufferHolder h ? h.content() : null;
                Buffer root = buffer == null ? null : buffer.rootBuffer();
                if (root != null && root.leak != null) {
                    owned.add(root.leak);
                }
            }
            List<String> result = new ArrayList<>();
            for (Record record : records) {
                if (!record.isClosed() && !owned.contains(record)) {
                    result.add(record.describe());
                }
            }
            return result;
        }

        /** Stops listing new allocations; the buffers already listed stay listed. Idempotent. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            OPEN_SCOPES.decrementAndGet();
            if (Thread.currentThread() == thread) {
                List<WeakReference<Scope>> scopes = SCOPES.get();
                if (scopes != null) {
                    scopes.removeIf(ref -> ref.get() == this);
                    pruneScopes(scopes);
                }
            }
        }

        /** Whether {@link #close()} has been called. */
        public boolean isClosed() {
            return closed;
        }
    }

    /**
     * Reports every tracked buffer that has been garbage-collected without being released since the last call.
     *
     * @return the reports, each naming where the buffer was allocated
     */
    public static List<String> reportCollected() {
        List<String> reports = null;
        Record record;
        while ((record = (Record) collected.poll()) != null) {
            if (live.remove(record)) {
                String report = "LEAK: a buffer was garbage-collected without release(); " + record.describe();
                log.error(report);
                Consumer<String> r = reporter;
                if (r != null) {
                    r.accept(report);
                }
                if (reports == null) {
                    reports = new ArrayList<>();
                }
                reports.add(report);
            }
        }
        return reports == null ? List.of() : reports;
    }

    /**
     * Describes every tracked buffer that is neither released nor collected yet. Only complete in strict mode.
     * Buffers still legitimately in use show up too, so call this when the code under test is quiescent.
     */
    public static List<String> outstanding() {
        List<String> result = new ArrayList<>();
        for (Record record : live) {
            if (record.get() != null) {
                result.add(record.describe());
            }
        }
        return result;
    }

    /** Stops tracking every outstanding buffer, so that one test's leak is not blamed on the next. */
    public static void forgetOutstanding() {
        for (Record record : live) {
            record.clear();
        }
        live.clear();
    }

    /** The tracking state of one buffer. */
    static final class Record extends WeakReference<Buffer> {
        private final Throwable allocation;
        private final String thread;
        private volatile Object lastHint;
        private volatile boolean closed;

        Record(Buffer buffer) {
            super(buffer, collected);
            this.allocation = new Throwable("allocated here");
            this.thread = Thread.currentThread().getName();
        }

        void touch(Object hint) {
            lastHint = hint;
        }

        void close() {
            closed = true;
            live.remove(this);
            clear();
        }

        /** Whether its buffer was released. */
        boolean isClosed() {
            return closed;
        }

        String describe() {
            StringBuilder sb = new StringBuilder("allocated on thread '").append(thread).append('\'');
            Object hint = lastHint;
            if (hint != null) {
                sb.append(", last touched by: ").append(hint);
            }
            sb.append(" at:");
            for (StackTraceElement element : allocation.getStackTrace()) {
                String cls = element.getClassName();
                if (cls.equals(LeakDetector.class.getName()) || cls.equals(Record.class.getName())) {
                    continue;
                }
                sb.append("\n\tat ").append(element);
            }
            return sb.toString();
        }
    }
}
