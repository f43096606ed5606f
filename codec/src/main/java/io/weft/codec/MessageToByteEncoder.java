package io.weft.codec;

import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.util.concurrent.CompletableFuture;

/**
 * Encodes outbound messages of type {@code I} into a pooled {@link Buffer} sized by {@link #sizeHint}; other
 * messages pass through. The input message is released after encoding (if reference counted) and the buffer
 * takes its place, with the same promise.
 *
 * @param <I> the message type this encoder handles
 */
public abstract class MessageToByteEncoder<I> implements Handler {

    private final Class<? extends I> type;

    /** @param type the messages this encoder handles; others pass through */
    protected MessageToByteEncoder(Class<? extends I> type) {
        this.type = type;
    }

    /** Whether {@code msg} is for this encoder; by default, whether it is an instance of the type. */
    protected boolean accepts(Object msg) {
        return type.isInstance(msg);
    }

    /** Initial capacity of the output buffer for {@code msg}; the buffer grows if the guess is short. */
    protected int sizeHint(HandlerContext ctx, I msg) {
        return 256;
    }

    /** Writes the encoding of {@code msg} into {@code out}. Do not release {@code msg}: the base class does. */
    protected abstract void encode(HandlerContext ctx, I msg, Buffer out) throws Exception;

    @Override
    @SuppressWarnings("unchecked")
    public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) throws Exception {
        if (!accepts(msg)) {
            ctx.write(msg, promise);
            return;
        }
        I typed = (I) msg;
        Buffer out = null;
        try {
            out = ctx.alloc().allocate(Math.max(0, sizeHint(ctx, typed)));
            encode(ctx, typed, out);
        } catch (Throwable t) {
            if (out != null) {
                out.release();
            }
            EncoderException error = t instanceof EncoderException e ? e
                    : new EncoderException(getClass().getSimpleName() + " failed: " + t, t);
            if (promise != null) {
                promise.completeExceptionally(error);
            }
            throw error;
        } finally {
            ReferenceCounted.safeRelease(msg);
        }
        if (out.isReadable()) {
            ctx.write(out, promise);
        } else {
            out.release();
            if (promise != null) {
                promise.complete(null);
            }
        }
    }
}
