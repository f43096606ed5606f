package io.weft.buffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.testing.log.LogCapture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.event.Level;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeakDetectorTest {

    private LeakDetector.Level previous;

    @BeforeEach
    void strict() {
        previous = LeakDetector.level();
        LeakDetector.setLevel(LeakDetector.Level.STRICT);
    }

    @AfterEach
    void restore() {
        LeakDetector.setLevel(previous);
        LeakDetector.setReporter(null);
    }

    @Test
    void strictModeListsUnreleasedBufferWithItsAllocationSite() {
        Buffer held = PooledAllocator.DEFAULT.allocate(32);
        held.touch("held by the test");
        List<String> outstanding = LeakDetector.outstanding();
        assertTrue(outstanding.stream().anyMatch(s -> s.contains("strictModeListsUnreleasedBufferWithItsAllocationSite")
                && s.contains("held by the test")), "not reported with its allocation site: " + outstanding);
        held.release();
        assertTrue(LeakDetector.outstanding().stream().noneMatch(s -> s.contains("held by the test")),
                "a released buffer must not be outstanding");
    }

    @Test
    void garbageCollectedUnreleasedBufferIsReported() throws Exception {
        List<String> reported = new ArrayList<>();
        LeakDetector.setReporter(reported::add);
        try (LogCapture logs = LogCapture.start()) { // the deliberate leak's ERROR line is expected, not printed
            leakOne();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (reported.stream().noneMatch(s -> s.contains("leakOne")) && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(20);
                LeakDetector.reportCollected();
            }
            assertTrue(reported.stream().anyMatch(s -> s.contains("leakOne") && s.startsWith("LEAK")),
                    "the deliberately leaked buffer was not reported: " + reported);
            assertTrue(logs.at(Level.ERROR).stream().anyMatch(e -> e.message().startsWith("LEAK")
                    && e.message().contains("leakOne")), logs::dump);
        }
    }

    private static void leakOne() {
        Buffer leaked = UnpooledAllocator.INSTANCE.allocate(64);
        leaked.writeLong(42);
        // Dropped without release() on purpose.
    }

    @Test
    void offModeTracksNothing() {
        LeakDetector.setLevel(LeakDetector.Level.OFF);
        int before = LeakDetector.outstanding().size();
        Buffer b = UnpooledAllocator.INSTANCE.allocate(8);
        assertEquals(before, LeakDetector.outstanding().size());
        assertFalse(b.touch("x").refCnt() == 0);
        b.release();
    }
}
