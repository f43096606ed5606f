package io.weft.codec.frame;

import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.codec.EncoderException;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;

/**
 * Prefixes each outbound {@link Buffer} with its length: the encoder matching {@link LengthFieldFrameDecoder}.
 * The body is not copied: a small header buffer is written, then the message itself (the channel's gathering
 * write sends both in one system call). The promise completes when the body is written. Other messages pass
 * through.
 *
 * <p>A body whose length (plus adjustment) does not fit the field raises an {@link EncoderException} naming the
 * length and the field's limit, fails the promise and releases the message. Stateless and
 * {@link Handler.Sharable sharable}: one instance may be added to many pipelines.
 */
@Handler.Sharable
public class LengthFieldPrepender implements Handler {

    private final int lengthFieldLength;
    private final int lengthAdjustment;
    private final boolean lengthIncludesLengthField;
    private final boolean bigEndian;

    /** A big-endian length field of {@code lengthFieldLength} bytes counting the body only. */
    public LengthFieldPrepender(int lengthFieldLength) {
        this(lengthFieldLength, 0, false, ByteOrder.BIG_ENDIAN);
    }

    /**
     * @param lengthFieldLength         1, 2, 3, 4 or 8
     * @param lengthAdjustment          added to the value written
     * @param lengthIncludesLengthField whether the value counts the length field itself
     * @param byteOrder                 byte order of the field
     */
    public LengthFieldPrepender(int lengthFieldLength, int lengthAdjustment, boolean lengthIncludesLengthField,
            ByteOrder byteOrder) {
        if (lengthFieldLength != 1 && lengthFieldLength != 2 && lengthFieldLength != 3 && lengthFieldLength != 4
                && lengthFieldLength != 8) {
            throw new IllegalArgumentException("lengthFieldLength " + lengthFieldLength + " must be 1, 2, 3, 4 or 8");
        }
        this.lengthFieldLength = lengthFieldLength;
        this.lengthAdjustment = lengthAdjustment;
        this.lengthIncludesLengthField = lengthIncludesLengthField;
        this.bigEndian = byteOrder == ByteOrder.BIG_ENDIAN;
    }

    @Override
    public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) {
        if (!(msg instanceof Buffer body)) {
            ctx.write(msg, promise);
            return;
        }
        long length = (long) body.readableBytes() + lengthAdjustment
                + (lengthIncludesLengthField ? lengthFieldLength : 0);
        long max = lengthFieldLength == 8 ? Long.MAX_VALUE : (1L << (lengthFieldLength * 8)) - 1;
        if (length < 0 || length > max) {
            ReferenceCounted.safeRelease(body);
            EncoderException error = new EncoderException("length " + length + " does not fit a "
                    + lengthFieldLength + "-byte length field (limit " + max + ")");
            if (promise != null) {
                promise.completeExceptionally(error);
            }
            throw error;
        }
        Buffer header;
        try {
            header = ctx.alloc().allocate(lengthFieldLength);
        } catch (RuntimeException | Error e) {
            body.release();
            throw e;
        }
        switch (lengthFieldLength) {
            case 1:
                header.writeByte((int) length);
                break;
            case 2:
                if (bigEndian) {
                    header.writeShort((int) length);
                } else {
                    header.writeShortLE((int) length);
                }
                break;
            case 3:
                if (bigEndian) {
                    header.writeMedium((int) length);
                } else {
                    header.writeMediumLE((int) length);
                }
                break;
            case 4:
                if (bigEndian) {
                    header.writeInt((int) length);
                } else {
                    header.writeIntLE((int) length);
                }
                break;
            default:
                if (bigEndian) {
                    header.writeLong(length);
                } else {
                    header.writeLongLE(length);
                }
        }
        ctx.write(header, null);
        ctx.write(body, promise);
    }
}
