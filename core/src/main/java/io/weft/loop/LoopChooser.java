package io.weft.loop;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Picks the {@link EventLoop} that a new channel will belong to. Called from whichever thread creates the channel
 * (for accepted connections, the server channel's loop); implementations must be thread-safe.
 */
@FunctionalInterface
public interface LoopChooser {

    /** Picks one of {@code loops}, which is never empty. */
    EventLoop choose(List<EventLoop> loops);

    /** Cycles through the loops in order: cheap and even when connections live about as long as each other. */
    static LoopChooser roundRobin() {
        AtomicInteger next = new AtomicInteger();
        return loops -> loops.get(Math.floorMod(next.getAndIncrement(), loops.size()));
    }

    /**
     * Picks the loop with the fewest registered channels (ties go to the lowest index): even when connection
     * lifetimes vary a lot. A channel counts from the moment it is assigned to a loop until it closes.
     */
    static LoopChooser leastConnections() {
        return loops -> {
            EventLoop best = loops.get(0);
            int bestCount = best.channelCount();
            for (int i = 1, n = loops.size(); i < n; i++) {
                EventLoop candidate = loops.get(i);
                int count = candidate.channelCount();
                if (count < bestCount) {
                    best = candidate;
                    bestCount = count;
                }
            }
            return best;
        };
    }
}
