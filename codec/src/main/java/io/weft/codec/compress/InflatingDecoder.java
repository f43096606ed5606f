package io.weft.codec.compress;

import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.codec.CodecException;
import io.weft.codec.CorruptFrameException;
import io.weft.codec.DecoderException;
import io.weft.codec.DecompressionLimitException;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Shared machinery of {@link GzipDecoder} and {@link ZlibDecoder}: feeds each inbound {@link Buffer} straight from
 * direct memory to an {@link Inflater} (its {@code ByteBuffer} overloads) and passes decompressed bytes on in
 * buffers of at most {@code chunkSize} bytes as soon as each fills, plus the partly filled one at the end of every
 * inbound buffer. Nothing but the current output chunk (and a few header bytes) is ever held, so memory stays flat
 * however large a message decompresses to; past {@code maxDecompressedBytes} per message the decoder fails with a
 * {@link DecompressionLimitException}.
 *
 * <p>On any failure it releases what it holds, fires the typed exception, closes the channel and drops whatever
 * arrives afterwards.
 */
abstract class InflatingDecoder implements Handler {

    /** Default bound on one message's decompressed size: 16 MiB. */
    public static final long DEFAULT_MAX_DECOMPRESSED_BYTES = 16L << 20;
    /** Default size of the output buffers: 64 KiB. */
    public static final int DEFAULT_CHUNK_SIZE = 64 * 1024;

    final Inflater inflater;
    private final long maxDecompressedBytes;
    private final int chunkSize;
    private Buffer chunk;
    /** Decompressed bytes of the current message. */
    long produced;
    /** Compressed bytes of the current message consumed so far (header included). */
    long consumed;
    private boolean failed;
    private boolean ended;
    /** A close was requested on this side: a message cut short by it is not the peer's fault. */
    private boolean closeRequested;

    InflatingDecoder(boolean nowrap, long maxDecompressedBytes, int chunkSize) {
        if (maxDecompressedBytes <= 0) {
            throw new IllegalArgumentException("maxDecompressedBytes " + maxDecompressedBytes + " must be positive");
        }
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunkSize " + chunkSize + " must be positive");
        }
        this.inflater = new Inflater(nowrap);
        this.maxDecompressedBytes = maxDecompressedBytes;
        this.chunkSize = chunkSize;
    }

    /** The bound on one message's decompressed size. */
    public final long maxDecompressedBytes() {
        return maxDecompressedBytes;
    }

    /** Consumes {@code in} (all of it, unless it stops early because the channel went away). */
    abstract void decode(HandlerContext ctx, Buffer in) throws Exception;

    /** Whether the channel closing now would cut a message short. */
    abstract boolean insideMessage();

    /** What the message unit is called in error messages: "gzip member", "zlib stream". */
    abstract String unitName();

    /** Called with each run of freshly decompressed bytes (for a running checksum). */
    void inflated(Buffer chunk, int index, int length) {
    }

    @Override
    public void channelRead(HandlerContext ctx, Object msg) throws Exception {
        if (!(msg instanceof Buffer in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (failed || ended) {
            in.release();
            return;
        }
        try {
            decode(ctx, in);
            if (!failed) {
                emitChunk(ctx);
            }
        } catch (Throwable t) {
            fail(ctx, t);
        } finally {
            in.release();
        }
    }

    /**
     * Inflates from {@code in} until it is used up or the stream ends; advances {@code in} by the bytes consumed.
     *
     * @return {@code true} if the deflate stream ended (the inflater is finished)
     */
    final boolean inflate(HandlerContext ctx, Buffer in) throws DataFormatException {
        int n = in.readableBytes();
        if (n > 0) {
            inflater.setInput(in.internalNioBuffer(in.readerIndex(), n));
        }
        try {
            while (true) {
                if (chunk == null) {
                    // Start small (a few small messages must not pin 64 KiB each) and double up to chunkSize.
                    chunk = ctx.alloc().allocate((int) Math.min(chunkSize, Math.max(512, 2L * n)));
                }
                int wi = chunk.writerIndex();
                if (wi >= chunk.capacity() && chunk.capacity() < chunkSize) {
                    chunk.ensureWritable(Math.min(chunk.capacity(), chunkSize - wi));
                }
                int room = (int) Math.min(Math.min(chunkSize, chunk.capacity()) - wi,
                        maxDecompressedBytes + 1 - produced);
                ByteBuffer view = chunk.internalNioBuffer(wi, room);
                int k = inflater.inflate(view);
                if (k > 0) {
                    chunk.writerIndex(wi + k);
                    produced += k;
                    if (produced > maxDecompressedBytes) {
                        throw new DecompressionLimitException(unitName() + " decompresses to more than the limit of "
                                + maxDecompressedBytes + " bytes (" + produced + " bytes produced from "
                                + (consumed + n - inflater.getRemaining()) + " compressed bytes)");
                    }
                    inflated(chunk, wi, k);
                }
                if (inflater.finished()) {
                    return true;
                }
                if (inflater.needsDictionary()) {
                    throw new CorruptFrameException(unitName() + " needs a preset dictionary, which is not supported");
                }
                if (chunk.writerIndex() >= chunk.capacity() && chunk.capacity() < chunkSize) {
                    continue; // grows on the next round
                }
                if (chunk.writerIndex() >= Math.min(chunkSize, chunk.capacity())) {
                    emitChunk(ctx);
                    if (failed || ended || !ctx.channel().isOpen()) {
                        return false;
                    }
                    continue;
                }
                if (k < room) {
                    return false; // needs input
                }
            }
        } finally {
            int used = n - inflater.getRemaining();
            if (n > 0 && used > 0) {
                in.skipBytes(used);
                consumed += used;
            }
        }
    }

    private void emitChunk(HandlerContext ctx) {
        Buffer c = chunk;
        if (c != null && c.isReadable()) {
            chunk = null;
            ctx.fireChannelRead(c);
        }
    }

    /** Starts the next message: resets the inflater and the counters. */
    void resetMessage() {
        inflater.reset();
        produced = 0;
        consumed = 0;
    }

    private void fail(HandlerContext ctx, Throwable cause) {
        failed = true;
        releaseChunk();
        Throwable error = cause instanceof CodecException ? cause
                : cause instanceof DataFormatException ? new CorruptFrameException("invalid " + unitName() + " data: "
                        + cause.getMessage() + " (after " + consumed + " compressed bytes)", cause)
                : new DecoderException(getClass().getSimpleName() + " failed: " + cause, cause);
        ctx.fireExceptionCaught(error);
        ctx.close(null);
    }

    private void releaseChunk() {
        Buffer c = chunk;
        chunk = null;
        if (c != null) {
            ReferenceCounted.safeRelease(c);
        }
    }

    @Override
    public void channelInactive(HandlerContext ctx) throws Exception {
        if (!failed && !ended && !closeRequested && insideMessage()) {
            failed = true;
            releaseChunk();
            ctx.fireExceptionCaught(new CorruptFrameException("channel closed inside a " + unitName() + " after "
                    + consumed + " compressed bytes (" + produced + " decompressed): truncated"));
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void close(HandlerContext ctx, java.util.concurrent.CompletableFuture<Void> promise) {
        closeRequested = true;
        ctx.close(promise);
    }

    @Override
    public void handlerRemoved(HandlerContext ctx) {
        releaseChunk();
        if (!ended) {
            ended = true;
            inflater.end();
        }
    }
}
