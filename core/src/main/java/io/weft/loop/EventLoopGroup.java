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
 *
 * <p>Each loop bounds the work others can hand it: at most {@link Builder#maxPendingTasks} tasks queued from other
 * threads (default {@value #DEFAULT_MAX_PENDING_TASKS}, or the system property {@code weft.loop.maxPendingTasks})
 * and at most {@link Builder#maxTimers} pending timers (default {@value #DEFAULT_MAX_TIMERS}, or
 * {@code weft.loop.maxTimers}); beyond either, the offer fails with {@link LoopOverloadedException} and the loop
 * goes on. Use {@link #builder()} to set them per group.
 */
public final class EventLoopGroup implements AutoCloseable {

    private static final AtomicInteger GROUP_IDS = new AtomicInteger();

    /** Default bound on the tasks other threads may have queued on one loop. */
    public static final int DEFAULT_MAX_PENDING_TASKS = 1 << 20;
    /** Default bound on the timers pending on one loop (several per connection for 100,000s of connections). */
    public static final int DEFAULT_MAX_TIMERS = 1 << 20;

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
        this(builder().size(size).chooser(chooser).name(name));
    }

    private EventLoopGroup(Builder b) {
        this.chooser = b.chooser;
        int id = GROUP_IDS.incrementAndGet();
        List<EventLoop> created = new ArrayList<>(b.size);
        for (int i = 0; i < b.size; i++) {
            created.add(new EventLoop(this, b.name + "-" + id + "-loop-" + i, b.maxPendingTasks, b.maxTimers));
        }
        this.loops = List.copyOf(created);
    }

    /** A builder for a group; every setting has the default of the plain constructors. */
    public static Builder builder() {
        return new Builder();
    }

    /** Settings of an {@link EventLoopGroup}; arguments are checked when set. */
    public static final class Builder {
        private int size = Runtime.getRuntime().availableProcessors();
        private LoopChooser chooser = LoopChooser.roundRobin();
        private String name = "weft";
        private int maxPendingTasks = Integer.getInteger("weft.loop.maxPendingTasks", DEFAULT_MAX_PENDING_TASKS);
        private int maxTimers = Integer.getInteger("weft.loop.maxTimers", DEFAULT_MAX_TIMERS);

        private Builder() {
        }

        /** The number of loops (default: available processors). */
        public Builder size(int size) {
            this.size = positive(size, "size");
            return this;
        }

        /** How {@link EventLoopGroup#next()} picks a loop for a new channel (default round-robin). */
        public Builder chooser(LoopChooser chooser) {
            if (chooser == null) {
                throw new NullPointerException("chooser");
            }
            this.chooser = chooser;
            return this;
        }

        /** Prefix of the loop threads' names (default {@code weft}). */
        public Builder name(String name) {
            if (name == null) {
                throw new NullPointerException("name");
            }
            this.name = name;
            return this;
        }

        /**
         * The most tasks other threads may have queued on one loop (default
         * {@value EventLoopGroup#DEFAULT_MAX_PENDING_TASKS}); see {@link EventLoop#execute}.
         */
        public Builder maxPendingTasks(int maxPendingTasks) {
            this.maxPendingTasks = positive(maxPendingTasks, "maxPendingTasks");
            return this;
        }

        /** The most timers pending on one loop (default {@value EventLoopGroup#DEFAULT_MAX_TIMERS}). */
        public Builder maxTimers(int maxTimers) {
            this.maxTimers = positive(maxTimers, "maxTimers");
            return this;
        }

        /** Starts the loops. */
        public EventLoopGroup build() {
            if (maxPendingTasks <= 0 || maxTimers <= 0) {
                throw new IllegalArgumentException("weft.loop.maxPendingTasks and weft.loop.maxTimers must be positive");
            }
            return new EventLoopGroup(this);
        }

        private static int positive(int value, String what) {
            if (value <= 0) {
                throw new IllegalArgumentException(what + " " + value + " must be positive");
            }
            return value;
        }
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
