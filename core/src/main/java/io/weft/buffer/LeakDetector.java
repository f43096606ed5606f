package io.weft.buffer;

import io.weft.internal.log.ThrottledLog;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
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

        Record(Buffer buffer) {
            super(buffer, collected);
            this.allocation = new Throwable("allocated here");
            this.thread = Thread.currentThread().getName();
        }

        void touch(Object hint) {
            lastHint = hint;
        }

        void close() {
            live.remove(this);
            clear();
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
