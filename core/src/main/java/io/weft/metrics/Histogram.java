package io.weft.metrics;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A fixed-bucket histogram of durations, in the shape Prometheus expects: cumulative bucket counts for upper
 * bounds (in seconds), a count and a sum. Memory is fixed at construction. Thread-safe; recording never allocates.
 */
public final class Histogram {

    /** Bucket bounds for event-loop lag, in seconds: 100 µs to 10 s. */
    public static final double[] LAG_BUCKETS =
            {0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final double[] bounds;
    private final long[] boundNanos;
    private final LongAdder[] buckets;
    private final LongAdder count = new LongAdder();
    private final LongAdder sumNanos = new LongAdder();
    private final AtomicLong maxNanos = new AtomicLong();

    /**
     * A histogram with the given finite upper bounds (seconds, strictly increasing); an implicit {@code +Inf}
     * bucket follows.
     */
    public Histogram(double... upperBoundsSeconds) {
        if (upperBoundsSeconds.length == 0) {
            throw new IllegalArgumentException("at least one bucket bound is required");
        }
        this.bounds = upperBoundsSeconds.clone();
        this.boundNanos = new long[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            if (!(bounds[i] > 0) || Double.isInfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
                throw new IllegalArgumentException("bucket bounds must be positive, finite and increasing: "
                        + Arrays.toString(upperBoundsSeconds));
            }
            boundNanos[i] = (long) (bounds[i] * 1e9);
        }
        this.buckets = new LongAdder[bounds.length + 1];
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    /** Records one observation of {@code nanos} (negative values count as 0). */
    public void recordNanos(long nanos) {
        long v = Math.max(0, nanos);
        int i = 0;
        while (i < boundNanos.length && v > boundNanos[i]) {
            i++;
        }
        buckets[i].increment();
        count.increment();
        sumNanos.add(v);
        maxNanos.accumulateAndGet(v, Math::max);
    }

    /** The finite upper bounds in seconds. */
    public double[] upperBounds() {
        return bounds.clone();
    }

    /**
     * Cumulative counts: element {@code i} counts observations {@code <= upperBounds()[i]}; the last element (one
     * more than the bounds) is the total, the {@code +Inf} bucket. Taken bucket by bucket, so concurrent recording
     * may make it differ slightly from {@link #count()}.
     */
    public long[] cumulativeCounts() {
        long[] out = new long[buckets.length];
        long running = 0;
        for (int i = 0; i < buckets.length; i++) {
            running += buckets[i].sum();
            out[i] = running;
        }
        return out;
    }

    /** Observations recorded. */
    public long count() {
        return count.sum();
    }

    /** Sum of all observations, in seconds. */
    public double sumSeconds() {
        return sumNanos.sum() / 1e9;
    }

    /** The largest observation, in seconds. */
    public double maxSeconds() {
        return maxNanos.get() / 1e9;
    }
}
