package io.weft.codec;

import io.weft.buffer.ReferenceCounted;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns each inbound message of type {@code I} into zero or more other messages, passed on in order; messages of
 * other types pass through untouched.
 *
 * <p><b>Reference counting:</b> the base class releases the input message after {@link #decode} returns (or throws).
 * To pass the input itself, or a part of it (a slice), on inside an output message, retain it in {@code decode}.
 * If {@code decode} throws, the outputs it already produced are released, the exception is fired down the pipeline
 * (wrapped in a {@link DecoderException} unless it is a {@link CodecException}) and the channel stays open: close it
 * in a later handler's {@code exceptionCaught} if the protocol cannot recover.
 *
 * <pre>{@code
 * // Turns each UTF-8 frame into an Integer.
 * final class NumberDecoder extends MessageToMessageDecoder<Buffer> {
 *     NumberDecoder() { super(Buffer.class); }
 *
 *     protected void decode(HandlerContext ctx, Buffer frame, List<Object> out) {
 *         out.add(Integer.valueOf(frame.toString(StandardCharsets.UTF_8)));   // frame is released for you
 *     }
 * }
 * }</pre>
 *
 * <p>Runs on the channel's loop; an instance without per-connection state may be shared by several pipelines.
 *
 * @param <I> the message type this decoder handles
 */
public abstract class MessageToMessageDecoder<I> implements Handler {

    private final Class<? extends I> type;

    /** @param type the messages this decoder handles; others pass through */
    protected MessageToMessageDecoder(Class<? extends I> type) {
        this.type = type;
    }

    /** Whether {@code msg} is for this decoder; by default, whether it is an instance of the type. */
    protected boolean accepts(Object msg) {
        return type.isInstance(msg);
    }

    /**
     * Adds the messages {@code msg} decodes to (zero or more) to {@code out}. Do not release {@code msg}: the base
     * class does; retain it if an output keeps a reference to it.
     */
    protected abstract void decode(HandlerContext ctx, I msg, List<Object> out) throws Exception;

    @Override
    @SuppressWarnings("unchecked")
    public void channelRead(HandlerContext ctx, Object msg) throws Exception {
        if (!accepts(msg)) {
            ctx.fireChannelRead(msg);
            return;
        }
        List<Object> out = new ArrayList<>(2);
        try {
            decode(ctx, (I) msg, out);
        } catch (Throwable t) {
            out.forEach(ReferenceCounted::safeRelease);
            throw t instanceof CodecException e ? e
                    : new DecoderException(getClass().getSimpleName() + " failed: " + t, t);
        } finally {
            ReferenceCounted.safeRelease(msg);
        }
        for (int i = 0; i < out.size(); i++) {
            ctx.fireChannelRead(out.get(i));
        }
    }
}
