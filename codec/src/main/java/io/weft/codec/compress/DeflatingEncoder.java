package io.weft.codec.compress;

import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.codec.EncoderException;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.zip.Deflater;

/**
 * Shared machinery of {@link GzipEncoder} and {@link ZlibEncoder}: each outbound {@link Buffer} becomes one
 * complete compressed unit (a gzip member, a zlib stream, or a finished raw deflate stream) in one output buffer.
 * The {@link Deflater} works straight on the buffers' direct memory (its {@code ByteBuffer} overloads): no
 * {@code byte[]} copy of input or output.
 */
abstract class DeflatingEncoder implements Handler {

    private final Deflater deflater;
    private final int level;
    private boolean ended;

    DeflatingEncoder(int level, boolean nowrap) {
        if (level < Deflater.DEFAULT_COMPRESSION || level > Deflater.BEST_COMPRESSION) {
            throw new IllegalArgumentException("compression level " + level + " must be in [-1, 9]");
        }
        this.level = level;
        this.deflater = new Deflater(level, nowrap);
    }

    /** The compression level (0-9, or -1 for zlib's default). */
    public final int level() {
        return level;
    }

    /** Bytes written before the deflate data. */
    abstract int headerLength();

    /** Bytes written after the deflate data. */
    abstract int trailerLength();

    /** Writes the header; {@code input} is the uncompressed message (indexes must not move). */
    abstract void writeHeader(Buffer out, Buffer input);

    /** Writes the trailer. */
    abstract void writeTrailer(Buffer out, Buffer input);

    @Override
    public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) {
        if (!(msg instanceof Buffer input)) {
            ctx.write(msg, promise);
            return;
        }
        if (ended) {
            ReferenceCounted.safeRelease(input);
            throw new EncoderException(getClass().getSimpleName() + " was removed from the pipeline");
        }
        Buffer out = null;
        try {
            int n = input.readableBytes();
            // zlib's deflateBound(): the worst case for incompressible input, so one pass needs no growth.
            long bound = (long) n + (n >>> 12) + (n >>> 14) + (n >>> 25) + 13 + headerLength() + trailerLength();
            out = ctx.alloc().allocate((int) Math.min(bound, Integer.MAX_VALUE - 16));
            writeHeader(out, input);
            deflater.reset();
            if (n > 0) {
                deflater.setInput(input.internalNioBuffer(input.readerIndex(), n));
            }
            deflater.finish();
            while (!deflater.finished()) {
                if (out.writableBytes() < 64) {
                    out.ensureWritable(Math.max(4096, out.capacity() >>> 1));
                }
                int wi = out.writerIndex();
                ByteBuffer view = out.internalNioBuffer(wi, out.writableBytes());
                int start = view.position();
                deflater.deflate(view, Deflater.NO_FLUSH);
                out.writerIndex(wi + view.position() - start);
            }
            writeTrailer(out, input);
        } catch (Throwable t) {
            if (out != null) {
                out.release();
            }
            throw t instanceof EncoderException e ? e
                    : new EncoderException(getClass().getSimpleName() + " failed: " + t, t);
        } finally {
            input.release();
        }
        ctx.write(out, promise);
    }

    @Override
    public void handlerRemoved(HandlerContext ctx) {
        if (!ended) {
            ended = true;
            deflater.end();
        }
    }
}
