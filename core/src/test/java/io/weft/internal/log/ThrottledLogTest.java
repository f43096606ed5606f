package io.weft.internal.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.testing.log.LogCapture;
import io.weft.testing.log.LogEvent;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ThrottledLogTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final ThrottledLog throttled = new ThrottledLog(LoggerFactory.getLogger(ThrottledLogTest.class), 3,
            TimeUnit.SECONDS.toNanos(10), now::get);

    @Test
    void writesAtMostPermitsPerIntervalThenOneSummary() {
        try (LogCapture logs = LogCapture.start()) {
            for (int i = 0; i < 1_000; i++) {
                throttled.warn("fault {}", i, new IllegalStateException("boom " + i));
            }
            List<LogEvent> first = logs.events();
            assertEquals(3, first.size(), logs::dump);
            for (int i = 0; i < 3; i++) {
                assertEquals(Level.WARN, first.get(i).level());
                assertEquals("fault " + i, first.get(i).message());
                assertNotNull(first.get(i).throwable(), "a framework fault keeps its trace");
            }

            now.addAndGet(TimeUnit.SECONDS.toNanos(9)); // same interval: still suppressed
            throttled.warn("fault {}", "late", new IllegalStateException());
            assertEquals(3, logs.events().size(), logs::dump);

            now.addAndGet(TimeUnit.SECONDS.toNanos(1)); // next interval: summary, then the line
            throttled.warn("fault {}", "next", new IllegalStateException());
            List<LogEvent> all = logs.events();
            assertEquals(5, all.size(), logs::dump);
            assertEquals("suppressed 998 similar messages (at most 3 per 10 s are logged)", all.get(3).message());
            assertEquals(Level.WARN, all.get(3).level());
            assertEquals("fault next", all.get(4).message());
        }
    }

    @Test
    void errorLevelIsLimitedToo() {
        try (LogCapture logs = LogCapture.start()) {
            for (int i = 0; i < 10; i++) {
                throttled.error("bad {}", i);
            }
            assertEquals(3, logs.atLeast(Level.ERROR).size(), logs::dump);
            now.addAndGet(TimeUnit.SECONDS.toNanos(11));
            throttled.error("bad again");
            assertTrue(logs.events().get(3).message().startsWith("suppressed 7 similar messages"), logs::dump);
        }
    }

    @Test
    void differentExceptionTypesHaveTheirOwnLimit() {
        try (LogCapture logs = LogCapture.start()) {
            for (int i = 0; i < 10; i++) {
                throttled.warn("fault", new IllegalStateException());
            }
            throttled.warn("other fault", new IllegalArgumentException());
            assertEquals(4, logs.events().size(), logs::dump);
            assertEquals("other fault", logs.events().get(3).message());
        }
    }

    @Test
    void rejectsNonPositiveRates() {
        assertThrows(IllegalArgumentException.class,
                () -> new ThrottledLog(LoggerFactory.getLogger(ThrottledLogTest.class), 0, 1, System::nanoTime));
    }
}
