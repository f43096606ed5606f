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
 * <p>Non-buffer messages pass through untouched. Runs on the channel's loop like every handler; an instance
 * holds per-connection state and must not be shared between pipelines.
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
            ctx.fireChannelRead(msg);
            return;
        }
        if (failed) {
            data.release();
            return;
        }
        try {
            cumulate(ctx, data);
            callDecode(ctx, cumulation, false);
        } catch (Throwable t) {
            fail(ctx, t);
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

    private void callDecode(HandlerContext ctx, Buffer in, boolean last) throws Exception {
        while (in.isReadable()) {
            int before = in.readableBytes();
            if (last) {
                decodeLast(ctx, in, out);
            } else {
                decode(ctx, in, out);
            }
            int produced = out.size();
            fireOut(ctx);
            if (ctx.isRemoved() || failed) {
                return;
            }
            if (produced == 0) {
                if (before == in.readableBytes()) {
                    return;
                }
            } else if (before == in.readableBytes()) {
                throw new DecoderException(getClass().getSimpleName()
                        + ".decode() produced a message without consuming any byte");
            }
            if (last) {
                return;
            }
        }
    }

    private void fireOut(HandlerContext ctx) {
        List<Object> messages = out;
        int size = messages.size();
        if (size == 0) {
            return;
        }
        for (int i = 0; i < size; i++) {
            ctx.fireChannelRead(messages.get(i));
        }
        messages.clear();
    }

    private void fail(HandlerContext ctx, Throwable cause) {
        failed = true;
        releaseCumulation();
        for (Object o : out) {
            io.weft.buffer.ReferenceCounted.safeRelease(o);
        }
        out.clear();
        Throwable error = cause instanceof CodecException ? cause
                : new DecoderException(getClass().getSimpleName() + " failed: " + cause, cause);
        ctx.fireExceptionCaught(error);
        if (closeOnFailure) {
            ctx.close(null);
        }
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
        Buffer c = cumulation;
        if (c != null && !failed) {
            try {
                callDecode(ctx, c, true);
                if (cumulation != null && cumulation.isReadable() && !closeRequested) {
                    int left = cumulation.readableBytes();
                    releaseCumulation();
                    failed = true;
                    ctx.fireExceptionCaught(new CorruptFrameException(
                            "channel closed with " + left + " bytes of an incomplete frame buffered"));
                }
            } catch (Throwable t) {
                failed = true;
                Throwable error = t instanceof CodecException ? t
                        : new DecoderException(getClass().getSimpleName() + " failed: " + t, t);
                ctx.fireExceptionCaught(error);
            } finally {
                releaseCumulation();
            }
        }
        ctx.fireChannelInactive();
    }

    /** Notes that this side is closing, so bytes of an unfinished frame left at close are dropped quietly. */
    @Override
    public void close(HandlerContext ctx, java.util.concurrent.CompletableFuture<Void> promise) throws Exception {
        closeRequested = true;
        ctx.close(promise);
    }

    /**
     * Releases the cumulation; if the channel is still open, bytes not decoded yet are passed on to the next
     * handler first, so a protocol switch (replacing this decoder at run time) loses nothing.
     */
    @Override
    public void handlerRemoved(HandlerContext ctx) throws Exception {
        Buffer c = cumulation;
        cumulation = null;
        if (c == null) {
            return;
        }
        if (c.isReadable() && ctx.channel().isOpen() && !failed) {
            ctx.fireChannelRead(c);
            ctx.fireChannelReadComplete();
        } else {
            c.release();
        }
        handlerRemoved0(ctx);
    }

    /** Hook for subclasses to release their own state when removed. */
    protected void handlerRemoved0(HandlerContext ctx) throws Exception {
    }
}
