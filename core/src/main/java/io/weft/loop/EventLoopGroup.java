package io.weft.loop;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed set of {@link EventLoop}s and the {@link LoopChooser} that assigns new channels to them.
 *
 * <p>{@link #close()} shuts every loop down gracefully and waits, so a group fits try-with-resources.
 */
public final class EventLoopGroup implements AutoCloseable {

    private static final AtomicInteger GROUP_IDS = new AtomicInteger();

    private final List<EventLoop> loops;
    private final LoopChooser chooser;

    /** A group with one loop per available processor, chosen round-robin. */
    public EventLoopGroup() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /** A group with {@code size} loops, chosen round-robin. */
    public EventLoopGroup(int size) {
        this(size, LoopChooser.roundRobin(), "weft");
    }

    /**
     * A group with {@code size} loops.
     *
     * @param chooser how {@link #next()} picks a loop for a new channel
     * @param name    prefix of the loop threads' names
     */
    public EventLoopGroup(int size, LoopChooser chooser, String name) {
        if (size <= 0) {
            throw new IllegalArgumentException("size " + size + " must be positive");
        }
        this.chooser = chooser;
        int id = GROUP_IDS.incrementAndGet();
        List<EventLoop> created = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            created.add(new EventLoop(this, name + "-" + id + "-loop-" + i));
        }
        this.loops = List.copyOf(created);
    }

    /** The loop the chooser picks for a new channel. */
    public EventLoop next() {
        return loops.size() == 1 ? loops.get(0) : chooser.choose(loops);
    }

    /** All loops, in creation order. */
    public List<EventLoop> loops() {
        return loops;
    }

    /** Whether any loop of this group runs the calling thread. */
    public boolean inAnyLoop() {
        for (EventLoop loop : loops) {
            if (loop.inLoop()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Shuts every loop down gracefully: each closes its channels, drains its tasks and ends its thread, forcibly
     * after {@code timeout}.
     *
     * @return a future completing when every loop thread has ended
     */
    public CompletableFuture<Void> shutdownGracefully(long timeout, TimeUnit unit) {
        CompletableFuture<?>[] all = new CompletableFuture<?>[loops.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = loops.get(i).shutdownGracefully(timeout, unit);
        }
        return CompletableFuture.allOf(all);
    }

    /** Whether every loop has terminated. */
    public boolean isTerminated() {
        for (EventLoop loop : loops) {
            if (!loop.isTerminated()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Shuts down with a 5 second timeout and waits for the threads to end. Must not be called from one of this
     * group's loops (it would wait for itself).
     */
    @Override
    public void close() {
        if (inAnyLoop()) {
            throw new IllegalStateException("close() called from one of the group's own loops");
        }
        try {
            shutdownGracefully(5, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("event loop group did not terminate", e);
        }
    }
}
