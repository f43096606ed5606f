package io.weft.internal.pipeline;

import java.util.concurrent.CompletableFuture;

/**
 * What the head of a {@link io.weft.pipeline.Pipeline} does with outbound operations: implemented by Weft's
 * channels (one implementation, so the pipeline's calls into it stay monomorphic). Called on the loop. Not API (the
 * package is not exported).
 */
public interface Transport {

    /** Queues {@code msg}; the transport owns it now and must release it (also on failure). */
    void write(Object msg, CompletableFuture<Void> promise);

    /** Writes out what is queued. */
    void flush();

    /** Starts a batch of reads. */
    void read();

    /** Closes the channel. */
    void close(CompletableFuture<Void> promise);

    /**
     * Shuts the output down once what is queued has been written (a TCP FIN); transports without a half-close fail
     * {@code promise} (may be {@code null}) with an {@link UnsupportedOperationException}.
     */
    void shutdownOutput(CompletableFuture<Void> promise);

    /**
     * An inbound message reached the tail without being consumed. Return {@code true} to take it (and its
     * ownership), as {@link io.weft.channel.EmbeddedChannel} does to collect what comes out of the pipeline;
     * {@code false} lets the tail log it at DEBUG and release it.
     */
    boolean unhandledInbound(Object msg);

    /**
     * An exception reached the tail without being handled. Return {@code true} to take it; {@code false} lets the
     * tail log it.
     */
    boolean unhandledException(Throwable cause);
}
