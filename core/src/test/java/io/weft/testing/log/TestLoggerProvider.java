package io.weft.testing.log;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J backend of the test JVMs (registered in {@code META-INF/services}, shared through core's test jar).
 * Quiet by default: prints WARN and ERROR to {@code System.err} ({@code -Dweft.test.log=debug|info|warn|error|off}
 * changes the threshold). While a {@link LogCapture} is open, every line of every level goes to the capture
 * instead, so tests that provoke errors on purpose do not print them.
 */
public final class TestLoggerProvider implements SLF4JServiceProvider {

    static final List<LogCapture> ACTIVE = new CopyOnWriteArrayList<>();
    private static final Level THRESHOLD = threshold(System.getProperty("weft.test.log", "warn"));
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();
    private final ILoggerFactory factory = name -> loggers.computeIfAbsent(name, TestLogger::new);
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();

    /** Called by the service loader. */
    public TestLoggerProvider() {
    }

    private static Level threshold(String name) {
        return "off".equalsIgnoreCase(name) ? null : Level.valueOf(name.toUpperCase(Locale.ROOT));
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
    }

    private static final class TestLogger extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;

        TestLogger(String name) {
            this.name = name;
        }

        private static boolean enabled(Level level) {
            return !ACTIVE.isEmpty() || (THRESHOLD != null && level.toInt() >= THRESHOLD.toInt());
        }

        @Override
        public boolean isTraceEnabled() {
            return enabled(Level.TRACE);
        }

        @Override
        public boolean isDebugEnabled() {
            return enabled(Level.DEBUG);
        }

        @Override
        public boolean isInfoEnabled() {
            return enabled(Level.INFO);
        }

        @Override
        public boolean isWarnEnabled() {
            return enabled(Level.WARN);
        }

        @Override
        public boolean isErrorEnabled() {
            return enabled(Level.ERROR);
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                Throwable throwable) {
            String message = MessageFormatter.basicArrayFormat(pattern, arguments);
            LogEvent event = new LogEvent(level, name, Thread.currentThread().getName(), message, throwable);
            List<LogCapture> captures = ACTIVE;
            if (!captures.isEmpty()) {
                for (LogCapture capture : captures) {
                    capture.record(event);
                }
                return;
            }
            if (THRESHOLD == null || level.toInt() < THRESHOLD.toInt()) {
                return;
            }
            PrintStream err = System.err;
            synchronized (err) {
                err.println(LocalTime.now().format(TIME) + " [" + event.thread() + "] " + level + " " + name + " - "
                        + message);
                if (throwable != null) {
                    throwable.printStackTrace(err);
                }
            }
        }
    }
}
