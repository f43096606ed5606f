package io.weft.codec;

import io.weft.buffer.ReferenceCounted;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Turns each outbound message of type {@code I} into zero or more other messages, written on in order; messages of
 * other types pass through untouched.
 *
 * <p><b>Reference counting:</b> the base class releases the input message after {@link #encode} returns (or throws);
 * retain it in {@code encode} if an output keeps a reference to it. If {@code encode} throws, the outputs it already
 * produced are released and the write's promise fails with an {@link EncoderException} (or the
 * {@link CodecException} thrown).
 *
 * <p><b>The write's promise</b> completes when every output has been written (at once if there is none) and fails
 * with the first failure. Without a promise, nothing is allocated for it.
 *
 * <pre>{@code
 * // Writes each Integer as its decimal text.
 * final class NumberEncoder extends MessageToMessageEncoder<Integer> {
 *     NumberEncoder() { super(Integer.class); }
 *
 *     protected void encode(HandlerContext ctx, Integer n, List<Object> out) {
 *         out.add(n.toString());                  // a StringEncoder further towards the head makes bytes of it
 *     }
 * }
 * }</pre>
 *
 * <p>Runs on the channel's loop; an instance without per-connection state may be shared by several pipelines.
 *
 * @param <I> the message type this encoder handles
 */
public abstract class MessageToMessageEncoder<I> implements Handler {

    private final Class<? extends I> type;

    /** @param type the messages this encoder handles; others pass through */
    protected MessageToMessageEncoder(Class<? extends I> type) {
        this.type = type;
    }

    /** Whether {@code msg} is for this encoder; by default, whether it is an instance of the type. */
    protected boolean accepts(Object msg) {
        return type.isInstance(msg);
    }

    /**
     * Adds the messages {@code msg} encodes to (zero or more) to {@code out}. Do not release {@code msg}: the base
     * class does; retain it if an output keeps a reference to it.
     */
    protected abstract void encode(HandlerContext ctx, I msg, List<Object> out) throws Exception;

    @Override
    @SuppressWarnings("unchecked")
    public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) throws Exception {
        if (!accepts(msg)) {
            ctx.write(msg, promise);
            return;
        }
        List<Object> out = new ArrayList<>(2);
        try {
            encode(ctx, (I) msg, out);
        } catch (Throwable t) {
            out.forEach(ReferenceCounted::safeRelease);
            CodecException error = t instanceof CodecException c ? c
                    : new EncoderException(getClass().getSimpleName() + " failed: " + t, t);
            if (promise != null) {
                promise.completeExceptionally(error);
            }
            throw error;
        } finally {
            ReferenceCounted.safeRelease(msg);
        }
        int size = out.size();
        if (size == 0) {
            if (promise != null) {
                promise.complete(null);
            }
        } else if (size == 1 || promise == null) {
            for (int i = 0; i < size - 1; i++) {
                ctx.write(out.get(i), null);
            }
            ctx.write(out.get(size - 1), promise);
        } else {
            CompletableFuture<?>[] parts = new CompletableFuture<?>[size];
            for (int i = 0; i < size; i++) {
                CompletableFuture<Void> part = new CompletableFuture<>();
                parts[i] = part;
                ctx.write(out.get(i), part);
            }
            CompletableFuture.allOf(parts).whenComplete((v, t) -> {
                if (t == null) {
                    promise.complete(null);
                } else {
                    promise.completeExceptionally(t instanceof java.util.concurrent.CompletionException
                            && t.getCause() != null ? t.getCause() : t);
                }
            });
        }
    }
}
