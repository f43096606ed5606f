package io.weft.buffer;

import io.weft.internal.log.ThrottledLog;
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
    /** A leak in a hot path must not flood the log: at most 10 reports a minute are logged (all are returned). */
    private static final ThrottledLog leakLog = new ThrottledLog(log);

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
        buffer.memory().leak = record;
        return buffer;
    }

    /**
     * Tracks {@code buffer} whatever the level, and lists it in the scope entered last on this thread (the innermost
     * one: a buffer belongs to one scope at a time).
     */
    private static Buffer trackInScopes(Buffer buffer, List<WeakReference<Scope>> scopes) {
        reportCollected();
        Record record = new Record(buffer);
        live.add(record);
        buffer.memory().leak = record;
        for (int i = scopes.size() - 1; i >= 0; i--) {
            Scope scope = scopes.get(i).get();
            if (scope != null) {
                scope.add(record);
                break;
            }
            // A scope collected while entered: stop counting it, so OPEN_SCOPES stays a true count.
            scopes.remove(i);
            OPEN_SCOPES.decrementAndGet();
        }
        return buffer;
    }

    /**
     * Opens a leak-check scope and {@linkplain Scope#enter() enters} it on the calling thread: while it is entered,
     * every buffer allocated on this thread is tracked (whatever the {@linkplain #level() level}, with its
     * allocation stack trace) and listed in the scope, so that {@link Scope#unreleased()} can tell which of them
     * were never released. Meant for single-threaded tests; {@link io.weft.channel.EmbeddedChannel} uses one,
     * entered only while one of its methods runs, so that two embedded channels on one thread keep apart.
     */
    public static Scope openScope() {
        Scope scope = new Scope();
        scope.enter();
        return scope;
    }

    /**
     * The buffers allocated while it was entered on some thread, and those {@linkplain #adopt adopted}; see
     * {@link LeakDetector#openScope()}. Not thread-safe: use it from one thread at a time.
     */
    public static final class Scope implements AutoCloseable {
        /** Insertion-ordered; records compare by identity. */
        private final Set<Record> records = new LinkedHashSet<>();
        private int pruneAt = 1024;
        private int depth;
        private Thread enteredOn;
        private boolean closed;

        private Scope() {
        }

        void add(Record record) {
            Scope previous = record.scope;
            if (previous == this) {
                return;
            }
            if (previous != null) {
                previous.records.remove(record);
            }
            record.scope = this;
            records.add(record);
            if (records.size() >= pruneAt) {
                records.removeIf(Record::isClosed);
                pruneAt = Math.max(1024, records.size() * 2);
            }
        }

        /**
         * Starts (or, nested, keeps) listing the buffers allocated on the calling thread; each call needs an
         * {@link #exit()}. Does nothing on a closed scope.
         */
        public void enter() {
            if (closed) {
                return;
            }
            if (depth++ > 0) {
                return;
            }
            enteredOn = Thread.currentThread();
            List<WeakReference<Scope>> scopes = SCOPES.get();
            if (scopes == null) {
                scopes = new ArrayList<>(2);
                SCOPES.set(scopes);
            }
            scopes.add(new WeakReference<>(this));
            OPEN_SCOPES.incrementAndGet();
        }

        /** Undoes one {@link #enter()}; the last one stops listing allocations. Call it on the entering thread. */
        public void exit() {
            if (depth == 0 || --depth > 0) {
                return;
            }
            List<WeakReference<Scope>> scopes = enteredOn == Thread.currentThread() ? SCOPES.get() : null;
            if (scopes != null && scopes.removeIf(ref -> ref.get() == this)) {
                OPEN_SCOPES.decrementAndGet();
                if (scopes.isEmpty()) {
                    SCOPES.remove();
                }
            }
            enteredOn = null;
        }

        /**
         * Makes this scope answer for {@code msg} from now on, if it is a buffer: one allocated outside any scope
         * (or on another thread) starts being tracked, with this call as its allocation site; one listed in another
         * scope moves here (its ownership moved, as when one embedded channel's output is written into another).
         * Anything else is ignored.
         */
        public void adopt(Object msg) {
            Buffer buffer = msg instanceof Buffer b ? b : msg instanceof BufferHolder h ? h.content() : null;
            Record record = buffer == null ? null : buffer.ensureLeakRecord(root -> {
                Record created = new Record(root);
                live.add(created);
                return created;
            });
            if (record != null) {
                add(record);
            }
        }

        /**
         * Describes every buffer of this scope that is still unreleased (also those already garbage-collected
         * unreleased), each with the stack trace of its allocation; empty if none.
         */
        public List<String> unreleased() {
            return unreleased(List.of());
        }

        /**
         * Like {@link #unreleased()}, leaving out the buffers of {@code stillOwned}: messages (buffers, or
         * {@link BufferHolder}s) that legitimately hold memory still, such as those waiting in a queue to be read.
         * A retained slice in {@code stillOwned} stands for the buffer it was cut from.
         */
        public List<String> unreleased(Collection<?> stillOwned) {
            Set<Record> owned = Collections.newSetFromMap(new IdentityHashMap<>());
            for (Object msg : stillOwned) {
                Buffer buffer = msg instanceof Buffer b ? b : msg instanceof BufferHolder h ? h.content() : null;
                Record record = buffer == null ? null : buffer.leakRecord();
                if (record != null) {
                    owned.add(record);
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

        /** Exits for good and stops listing allocations; the buffers already listed stay listed. Idempotent. */
        @Override
        public void close() {
            if (depth > 0) {
                depth = 1;
                exit();
            }
            closed = true;
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
                leakLog.error("{}", report);
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
        /** The leak-check scope answering for this buffer, if any; confined to that scope's thread. */
        Scope scope;

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
