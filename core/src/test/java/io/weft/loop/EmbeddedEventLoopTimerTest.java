package io.weft.loop;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The embedded loop clamps huge timer delays as a real loop does, instead of overflowing into "due at once". */
class EmbeddedEventLoopTimerTest {

    @Test
    void hugeDelayIsClampedNotOverflowed() {
        EmbeddedEventLoop loop = new EmbeddedEventLoop();
        AtomicBoolean ran = new AtomicBoolean();
        loop.schedule(() -> ran.set(true), Long.MAX_VALUE, TimeUnit.DAYS);
        loop.runPendingTasks();
        assertFalse(ran.get(), "a timer due in 'forever' ran at once");
        assertTrue(loop.nextTimerDelayNanos() > TimeUnit.DAYS.toNanos(365L * 50));
        loop.advanceTimeBy(1000, TimeUnit.DAYS);
        assertFalse(ran.get());
    }
}
