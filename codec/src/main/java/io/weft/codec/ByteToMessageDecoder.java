package io.weft.codec;

import io.weft.buffer.Buffer;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a stream of inbound {@link Buffer}s into messages. Partial reads are accumulated (a <em>cumulation</em>)
 * until {@link #decode} can produce a message; every produced message is passed on at once.
 *
 * <p>The cumulation is bounded: if it would grow past {@code maxCumulationBytes} the decoder fails with a
 * {@link TooLongFrameException} instead of buffering without limit. When {@link #decode} throws, the decoder
 * releases what it holds, fires the exception down the pipeline and (by default) closes the channel: a bad input
 * ends that connection and nothing else. If the channel closes while a partial frame is buffered,
 * {@link #decodeLast} gets a final chance; bytes left after it raise a {@link CorruptFrameException}.
 *
 * <p><b>Re-entrancy.</b> The decoder is safe against the pipeline changing under it while it delivers messages:
 * removed from the pipeline (a protocol switch) while delivering message <i>i</i>, it first delivers messages
 * <i>i+1…</i> already decoded, then passes the bytes not decoded yet on to the next handler; a channel-inactive or
 * a read that reaches it while it delivers is handled after the delivery, never in the middle of it.
 *
 * <p><b>Auto-read off.</b> When a batch of reads produced no complete message and
 * {@link io.weft.channel.Channel#isAutoRead() auto-read} is off, the decoder requests the next batch itself
 * ({@link HandlerContext#read()}) at read-complete, so a frame split across reads never stalls the pipeline.
 *
 * <p>Non-buffer messages pass through untouched. Runs on the channel's loop like every handler; an instance
 * holds per-connection state and must not be shared between pipelines (it is not
 * {@link Handler.Sharable sharable}: adding one instance to a second pipeline fails).
 */
public abstract class ByteToMessageDecoder implements Handler {

    /** Default bound on buffered, undecoded bytes: 16 MiB. */
    public static final int DEFAULT_MAX_CUMULATION = 16 << 20;

    private final int maxCumulationBytes;
    private final List<Object> out = new ArrayList<>(4);
    private Buffer cumulation;
    private boolean closeOnFailure = true;
    private boolean failed;
    /** A close was requested on this side: a frame cut short by it is not reported as corrupt. */
    private boolean closeRequested;
    /** Inside {@link #callDecode}: decoding or delivering {@link #out}. */
    private boolean delivering;
    /** handlerRemoved arrived while delivering: finish the removal once delivery is over. */
    private boolean removalPending;
    /** channelInactive arrived while delivering: run it once delivery is over. */
    private boolean inactivePending;
    /** A message was passed on since the last read-complete (auto-read off: otherwise ask for more input). */
    private boolean firedChannelRead;

    /** A decoder whose cumulation may hold up to {@link #DEFAULT_MAX_CUMULATION} bytes. */
    protected ByteToMessageDecoder() {
        this(DEFAULT_MAX_CUMULATION);
    }

    /** A decoder whose cumulation may hold up to {@code maxCumulationBytes} bytes. */
    protected ByteToMessageDecoder(int maxCumulationBytes) {
        if (maxCumulationBytes <= 0) {
            throw new IllegalArgumentException("maxCumulationBytes " + maxCumulationBytes + " must be positive");
        }
        this.maxCumulationBytes = maxCumulationBytes;
    }

    /**
     * Whether a decoding failure closes the channel (default {@code true}). Turn it off only if a later handler
     * takes responsibility for closing.
     */
    public final ByteToMessageDecoder closeOnFailure(boolean close) {
        this.closeOnFailure = close;
        return this;
    }

    /**
     * Decodes as many messages as {@code in} allows, adding them to {@code out}. Leave the bytes of an incomplete
     * message unread and return; you will be called again when more arrive.
     */
    protected abstract void decode(HandlerContext ctx, Buffer in, List<Object> out) throws Exception;

    /**
     * Called once when the channel closes with bytes still buffered. The default calls {@link #decode}; bytes it
     * leaves unread are reported as a truncated frame.
     */
    protected void decodeLast(HandlerContext ctx, Buffer in, List<Object> out) throws Exception {
        decode(ctx, in, out);
    }

    /** Bytes buffered and not yet decoded. */
    protected final int bufferedBytes() {
        return cumulation == null ? 0 : cumulation.readableBytes();
    }

    @Override
    public void channelRead(HandlerContext ctx, Object msg) throws Exception {
        if (!(msg instanceof Buffer data)) {
            firedChannelRead = true;
            ctx.fireChannelRead(msg);
            return;
        }
        if (failed) {
            data.release();
            return;
        }
        if (delivering) {
            // Re-entered from a handler downstream while delivering: only buffer; the running loop decodes it.
            try {
                cumulate(ctx, data);
            } catch (Throwable t) {
                fail(ctx, t);
            }
            return;
        }
        try {
            cumulate(ctx, data);
            callDecode(ctx, false);
        } catch (Throwable t) {
            fail(ctx, t);
        }
        if (afterDelivery(ctx)) {
            return;
        }
        Buffer c = cumulation;
        if (c != null && !c.isReadable()) {
            cumulation = null;
            c.release();
        } else if (c != null && c.readerIndex() > (c.capacity() >>> 1) && c.refCnt() == 1) {
            // Only when no slice handed downstream still shares this memory: compacting would move its bytes.
            c.discardReadBytes();
        }
    }

    /**
     * Runs what arrived while delivering: channel-inactive, then the removal of this handler.
     *
     * @return whether anything ran (the cumulation is then gone)
     */
    private boolean afterDelivery(HandlerContext ctx) throws Exception {
        boolean ran = false;
        if (inactivePending) {
            inactivePending = false;
            channelInactive(ctx);
            ran = true;
        }
        if (removalPending) {
            removalPending = false;
            finishRemoval(ctx);
            ran = true;
        }
        return ran;
    }

    /**
     * With auto-read off, asks for more input when this batch of reads produced no message, then passes
     * read-complete on. Subclasses that override it must call it.
     */
    @Override
    public void channelReadComplete(HandlerContext ctx) throws Exception {
        boolean fired = firedChannelRead;
        firedChannelRead = false;
        if (!fired && !failed && !ctx.channel().isAutoRead() && ctx.channel().isOpen()) {
            ctx.read();
        }
        ctx.fireChannelReadComplete();
    }

    private void cumulate(HandlerContext ctx, Buffer data) {
        Buffer c = cumulation;
        if (c == null) {
            if (data.readableBytes() > maxCumulationBytes) {
                int size = data.readableBytes();
                data.release();
                throw new TooLongFrameException(
                        "buffered " + size + " undecoded bytes, exceeding the limit of " + maxCumulationBytes);
            }
            cumulation = data;
            return;
        }
        int total = c.readableBytes() + data.readableBytes();
        if (total > maxCumulationBytes || total < 0) {
            data.release();
            throw new TooLongFrameException(
                    "buffered " + total + " undecoded bytes, exceeding the limit of " + maxCumulationBytes);
        }
        try {
            boolean shared = c.refCnt() != 1;
            if (c.writableBytes() < data.readableBytes() && c.readerIndex() > 0 && !shared) {
                c.discardReadBytes();
            }
            if (c.writableBytes() < data.readableBytes()
                    && (shared || c.maxWritableBytes() < data.readableBytes())) {
                // A retained slice of the cumulation may be held downstream (frame decoders emit slices):
                // never move or grow memory under it; continue in a fresh buffer instead.
                Buffer bigger = ctx.alloc().allocate(Math.max(total, Math.min(maxCumulationBytes,
                        c.readableBytes() + Math.max(data.readableBytes(), 4096))));
                bigger.writeBytes(c);
                c.release();
                cumulation = bigger;
                c = bigger;
            }
            c.writeBytes(data);
        } finally {
            data.release();
        }
    }

    /**
     * Decodes the cumulation (which may be replaced by a read that re-enters while delivering) until it yields no
     * more messages, passing each on at once. Stops when this handler is removed or has failed.
     */
    private void callDecode(HandlerContext ctx, boolean last) throws Exception {
        delivering = true;
        try {
            Buffer in;
            while ((in = cumulation) != null && in.isReadable()) {
                int before = in.readableBytes();
                if (last) {
                    decodeLast(ctx, in, out);
                } else {
                    decode(ctx, in, out);
                }
                boolean consumed = in.refCnt() == 0 || before != in.readableBytes();
                int produced = out.size();
                fireOut(ctx);
                if (ctx.isRemoved() || removalPending || failed) {
                    return;
                }
                if (produced == 0) {
                    if (!consumed) {
                        return;
                    }
                } else if (!consumed) {
                    throw new DecoderException(getClass().getSimpleName()
                            + ".decode() produced a message without consuming any byte");
                }
                if (last) {
                    return;
                }
            }
        } finally {
            delivering = false;
        }
    }

    /** Passes on every decoded message in order; each slot is cleared as its message changes owner. */
    private void fireOut(HandlerContext ctx) {
        List<Object> messages = out;
        if (messages.isEmpty()) {
            return;
        }
        firedChannelRead = true;
        for (int i = 0; i < messages.size(); i++) {
            Object message = messages.set(i, null);
            ctx.fireChannelRead(message);
        }
        messages.clear();
    }

    private void fail(HandlerContext ctx, Throwable cause) {
        failed = true;
        releaseCumulation();
        releaseOut();
        Throwable error = cause instanceof CodecException ? cause
                : new DecoderException(getClass().getSimpleName() + " failed: " + cause, cause);
        ctx.fireExceptionCaught(error);
        if (closeOnFailure) {
            ctx.close(null);
        }
    }

    /** Releases decoded messages not passed on yet (slots already handed over are {@code null}). */
    private void releaseOut() {
        for (Object o : out) {
            if (o != null) {
                io.weft.buffer.ReferenceCounted.safeRelease(o);
            }
        }
        out.clear();
    }

    private void releaseCumulation() {
        Buffer c = cumulation;
        cumulation = null;
        if (c != null) {
            c.release();
        }
    }

    @Override
    public void channelInactive(HandlerContext ctx) throws Exception {
        if (delivering) {
            // The channel closed while this decoder delivers (a handler's close reached it synchronously): finish
            // delivering first, then decode what is left.
            inactivePending = true;
            return;
        }
        Buffer c = cumulation;
        if (c != null && !failed) {
            try {
                callDecode(ctx, true);
                if (cumulation != null && cumulation.isReadable() && !closeRequested) {
                    int left = cumulation.readableBytes();
                    releaseCumulation();
                    failed = true;
                    ctx.fireExceptionCaught(new CorruptFrameException(
                            "channel closed with " + left + " bytes of an incomplete frame buffered"));
                }
            } catch (Throwable t) {
                failed = true;
                releaseOut();
                Throwable error = t instanceof CodecException ? t
                        : new DecoderException(getClass().getSimpleName() + " failed: " + t, t);
                ctx.fireExceptionCaught(error);
            } finally {
                releaseCumulation();
            }
        }
        ctx.fireChannelInactive();
        if (removalPending) {
            removalPending = false;
            finishRemoval(ctx);
        }
    }

    /** Notes that this side is closing, so bytes of an unfinished frame left at close are dropped quietly. */
    @Override
    public void close(HandlerContext ctx, java.util.concurrent.CompletableFuture<Void> promise) throws Exception {
        closeRequested = true;
        ctx.close(promise);
    }

    /**
     * Releases the cumulation; if the channel is still open, bytes not decoded yet are passed on to the next
     * handler first, so a protocol switch (replacing this decoder at run time) loses nothing. Removed while
     * delivering messages, the decoder first delivers the rest of them, then the bytes.
     */
    @Override
    public void handlerRemoved(HandlerContext ctx) throws Exception {
        if (delivering) {
            removalPending = true;
            return;
        }
        finishRemoval(ctx);
    }

    private void finishRemoval(HandlerContext ctx) throws Exception {
        Buffer c = cumulation;
        cumulation = null;
        if (c != null) {
            if (c.isReadable() && ctx.channel().isOpen() && !failed) {
                ctx.fireChannelRead(c);
                ctx.fireChannelReadComplete();
            } else {
                c.release();
            }
        }
        handlerRemoved0(ctx);
    }

    /** Hook for subclasses to release their own state when removed. */
    protected void handlerRemoved0(HandlerContext ctx) throws Exception {
    }
}
