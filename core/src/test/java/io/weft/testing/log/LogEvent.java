package io.weft.testing.log;

import org.slf4j.event.Level;

/** One logged line as the test backend saw it: {@code message} is formatted, {@code throwable} may be null. */
public record LogEvent(Level level, String logger, String thread, String message, Throwable throwable) {

    /** Whether this line is at {@code threshold} or more severe. */
    public boolean atLeast(Level threshold) {
        return level.toInt() >= threshold.toInt();
    }

    @Override
    public String toString() {
        return level + " [" + thread + "] " + logger + " - " + message
                + (throwable == null ? "" : " <" + throwable + ">");
    }
}
