package io.weft.pipeline;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.concurrent.CompletableFuture;

/**
 * A stage of a {@link Pipeline}. Inbound events (active, read, read-complete, writability-changed, user event,
 * exception, inactive) travel from the head of the pipeline towards the tail; outbound operations (write, flush,
 * read, close, shutdown-output) travel from the tail towards the head, where the channel carries them out.
 *
 * <p>Every method has a default that passes the event on unchanged, so a handler overrides only what it cares
 * about. <b>Every callback runs on the channel's event loop thread</b>, one at a time, so a handler that belongs to
 * one pipeline needs no synchronization.
 *
 * <p><b>Sharing.</b> As in Netty, a handler instance may be added to one pipeline, once, unless it declares itself
 * sharable: its class is annotated {@link Sharable @Handler.Sharable} or it overrides {@link #isSharable()}. Adding a
 * handler that is not sharable a second time (to another pipeline, or again to the same one, even after it was
 * removed) throws {@link IllegalStateException}: a stateful handler such as a frame decoder would otherwise mix the
 * bytes of several connections. A sharable handler must be stateless or thread-safe, since each pipeline calls it
 * from its own loop. Weft's stateless handlers ({@code StringEncoder}, {@code LengthFieldPrepender},
 * {@code LoggingHandler}, a lenient {@code StringDecoder}, ...) are sharable.
 *
 * <p><b>Ownership:</b> a message passed to {@link #channelRead} or {@link #write} is owned by the callee. Either
 * pass it on (handing ownership to the next stage) or release it. The pipeline's tail releases inbound messages
 * nobody consumed. An exception thrown from an inbound callback is delivered to this handler's
 * {@link #exceptionCaught}; one thrown from an outbound callback fails the operation's promise.
 *
 * <p>A {@code promise} argument may be {@code null}: the caller asked for no completion notification, which keeps
 * the hot path free of allocations. Handlers pass it along as they received it.
 */
public interface Handler {

    /**
     * Marks a handler class whose instances may be added to any number of pipelines at the same time, and more
     * than once: it keeps no per-channel state (or guards it for concurrent use). Inherited by subclasses.
     */
    @Documented
    @Inherited
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @interface Sharable {
    }

    /**
     * Whether this instance may be in several pipelines at once (see the class comment). The default says whether
     * the class is annotated {@link Sharable}; override it when sharability depends on the configuration.
     */
    default boolean isSharable() {
        return HandlerMembership.isAnnotatedSharable(getClass());
    }

    /** Called once after this handler was added to a pipeline. */
    default void handlerAdded(HandlerContext ctx) throws Exception {
    }

    /** Called once after this handler was removed from a pipeline (also when its channel closes). */
    default void handlerRemoved(HandlerContext ctx) throws Exception {
    }

    /** The channel is connected (or, for a server channel, bound). */
    default void channelActive(HandlerContext ctx) throws Exception {
        ctx.fireChannelActive();
    }

    /** The channel closed: by either side, by a reset, or by an error. Fires once. */
    default void channelInactive(HandlerContext ctx) throws Exception {
        ctx.fireChannelInactive();
    }

    /** A message arrived; the handler owns {@code msg} now. */
    default void channelRead(HandlerContext ctx, Object msg) throws Exception {
        ctx.fireChannelRead(msg);
    }

    /** The current batch of reads is over; a good moment to flush. */
    default void channelReadComplete(HandlerContext ctx) throws Exception {
        ctx.fireChannelReadComplete();
    }

    /** {@link io.weft.channel.Channel#isWritable()} flipped. */
    default void writabilityChanged(HandlerContext ctx) throws Exception {
        ctx.fireWritabilityChanged();
    }

    /** A user-defined event, for example an idle-state event or a TLS handshake completion. */
    default void userEvent(HandlerContext ctx, Object event) throws Exception {
        ctx.fireUserEvent(event);
    }

    /** An exception was raised while processing an inbound event or by the transport. */
    default void exceptionCaught(HandlerContext ctx, Throwable cause) throws Exception {
        ctx.fireExceptionCaught(cause);
    }

    /** Outbound: queue {@code msg} for writing; the handler owns {@code msg} now. */
    default void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) throws Exception {
        ctx.write(msg, promise);
    }

    /** Outbound: write out everything queued so far. */
    default void flush(HandlerContext ctx) throws Exception {
        ctx.flush();
    }

    /** Outbound: request one more batch of reads (matters when auto-read is off). */
    default void read(HandlerContext ctx) throws Exception {
        ctx.read();
    }

    /** Outbound: close the channel. */
    default void close(HandlerContext ctx, CompletableFuture<Void> promise) throws Exception {
        ctx.close(promise);
    }

    /**
     * Outbound: half-close, ending the output once everything written before has been sent (for TCP a FIN;
     * reading goes on). A handler that holds writes back or frames the byte stream passes this on only once what it
     * holds has gone, after any closing bytes of its own: the TLS handler sends its {@code close_notify} first, the
     * traffic shaper waits for its queue to drain.
     */
    default void shutdownOutput(HandlerContext ctx, CompletableFuture<Void> promise) throws Exception {
        ctx.shutdownOutput(promise);
    }
}
