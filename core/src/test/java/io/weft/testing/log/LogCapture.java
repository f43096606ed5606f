package io.weft.testing.log;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.slf4j.event.Level;

/**
 * Records every log line (all levels, all threads, all loggers) while open, instead of printing it: a test that
 * provokes errors on purpose opens one, so the build output stays quiet, and can assert on what was logged.
 *
 * <pre>{@code
 * try (LogCapture logs = LogCapture.start()) {
 *     ... provoke ...
 *     assertEquals(0, logs.atLeast(Level.INFO).size(), logs::dump);
 * }
 * }</pre>
 */
public final class LogCapture implements AutoCloseable {

    private final List<LogEvent> events = new CopyOnWriteArrayList<>();

    private LogCapture() {
    }

    /** Starts capturing; lines logged until {@link #close()} are recorded here and not printed. */
    public static LogCapture start() {
        LogCapture capture = new LogCapture();
        TestLoggerProvider.ACTIVE.add(capture);
        return capture;
    }

    void record(LogEvent event) {
        events.add(event);
    }

    /** Everything recorded so far, oldest first. */
    public List<LogEvent> events() {
        return List.copyOf(events);
    }

    /** The recorded lines at {@code level} or more severe. */
    public List<LogEvent> atLeast(Level level) {
        return events.stream().filter(e -> e.atLeast(level)).collect(Collectors.toList());
    }

    /** The recorded lines at exactly {@code level}. */
    public List<LogEvent> at(Level level) {
        return events.stream().filter(e -> e.level() == level).collect(Collectors.toList());
    }

    /** The recorded lines, one per line, for an assertion message (at most 50). */
    public String dump() {
        List<LogEvent> all = events();
        return all.size() + " line(s):\n" + all.stream().limit(50).map(LogEvent::toString)
                .collect(Collectors.joining("\n"));
    }

    /** Stops capturing. */
    @Override
    public void close() {
        TestLoggerProvider.ACTIVE.remove(this);
    }
}
