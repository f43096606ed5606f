package io.weft.handler.traffic;

/**
 * Read and write byte-rate limits shared by every channel it serves (Netty's {@code GlobalTrafficShapingHandler}):
 * all channels together stay within the limits. Create one, then add {@link #newHandler()} to each channel's
 * pipeline, first. Thread-safe; limits may be changed at run time from any thread.
 */
public final class GlobalTrafficShaper {

    final RateLimiter read;
    final RateLimiter write;

    /** Limits in bytes per second; 0 means unlimited. Read first (Netty takes the write limit first). */
    public GlobalTrafficShaper(long readLimit, long writeLimit) {
        long now = System.nanoTime();
        this.read = new RateLimiter(readLimit, now);
        this.write = new RateLimiter(writeLimit, now);
    }

    /** A handler for one channel under these shared limits (and no per-channel limit). */
    public TrafficShapingHandler newHandler() {
        return new TrafficShapingHandler(this, 0, 0);
    }

    /** A handler for one channel under these shared limits and, in addition, its own per-channel limits. */
    public TrafficShapingHandler newHandler(long channelReadLimit, long channelWriteLimit) {
        return new TrafficShapingHandler(this, channelReadLimit, channelWriteLimit);
    }

    /** Changes both limits (bytes per second, 0: unlimited); applies from the next read or write. */
    public void configure(long readLimit, long writeLimit) {
        long now = System.nanoTime();
        read.limit(readLimit, now);
        write.limit(writeLimit, now);
    }

    /** The read limit in bytes per second (0: unlimited). */
    public long readLimit() {
        return read.limit();
    }

    /** The write limit in bytes per second (0: unlimited). */
    public long writeLimit() {
        return write.limit();
    }
}
