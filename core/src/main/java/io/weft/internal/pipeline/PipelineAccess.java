package io.weft.internal.pipeline;

import io.weft.channel.Channel;
import io.weft.pipeline.Pipeline;

/**
 * How Weft's channels create and query their {@link Pipeline}: those members are package-private, and
 * {@code Pipeline}'s static initializer installs the one implementation of this interface in
 * {@link io.weft.internal.access.SharedSecrets}. Callers on a hot path keep it in a {@code static final} field, so
 * the JIT inlines the call. Not API (the package is not exported).
 */
public interface PipelineAccess {

    /** Creates the pipeline of {@code channel}; {@code transport} carries out the operations that reach its head. */
    Pipeline newPipeline(Channel channel, Transport transport);

    /**
     * Whether an inbound handler callback (or handlerAdded/handlerRemoved) of {@code pipeline} is running, so that
     * an operation a handler starts now is its own. Loop thread only: the channel then delivers the events such an
     * operation causes (writability, channel-inactive) after the callback has returned.
     */
    boolean inHandlerCallback(Pipeline pipeline);
}
