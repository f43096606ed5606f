package io.weft.codec.frame;

import io.weft.buffer.Buffer;
import io.weft.codec.ByteToMessageDecoder;
import io.weft.codec.CorruptFrameException;
import io.weft.codec.TooLongFrameException;
import io.weft.pipeline.HandlerContext;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Splits a byte stream into frames by a length field in each frame's header, like Netty's
 * {@code LengthFieldBasedFrameDecoder}.
 *
 * <pre>
 *  frame = [lengthFieldOffset bytes][length field: 1,2,3,4 or 8 bytes][length + lengthAdjustment bytes]
 * </pre>
 *
 * The whole frame is {@code lengthFieldOffset + lengthFieldLength + length + lengthAdjustment} bytes; the first
 * {@code initialBytesToStrip} of them are dropped and the rest is passed on as one {@link Buffer} (a retained
 * slice of the received bytes: no copy). The common "4-byte big-endian length, then the body" protocol is
 * {@code new LengthFieldFrameDecoder(maxFrameLength, 4)}.
 *
 * <p><b>Limits.</b> A frame longer than {@code maxFrameLength} is rejected as soon as its length field has
 * arrived, <em>before</em> any of its body is buffered. By default the decoder then fails with a
 * {@link TooLongFrameException} and the channel closes. With {@link #discardTooLongFrames(boolean)
 * discardTooLongFrames(true)} it instead fires the exception down the pipeline (without closing), skips the
 * oversized frame's bytes as they arrive without buffering them, and continues with the next frame. A length field
 * that cannot be valid (negative, or shorter than the header it belongs to) raises a
 * {@link CorruptFrameException}. A connection closing in the middle of a frame raises a
 * {@link CorruptFrameException} naming the bytes left.
 *
 * <p>One instance per channel (it holds per-connection state); callbacks run on the channel's loop.
 */
public class LengthFieldFrameDecoder extends ByteToMessageDecoder {

    private final int maxFrameLength;
    private final int lengthFieldOffset;
    private final int lengthFieldLength;
    private final int lengthFieldEnd;
    private final int lengthAdjustment;
    private final int initialBytesToStrip;
    private final boolean bigEndian;
    private boolean discardTooLongFrames;
    private long bytesToDiscard;

    /**
     * The common layout: a big-endian length field of {@code lengthFieldLength} bytes at offset 0 that counts the
     * body only, stripped from the frame passed on.
     */
    public LengthFieldFrameDecoder(int maxFrameLength, int lengthFieldLength) {
        this(maxFrameLength, 0, lengthFieldLength, 0, lengthFieldLength, ByteOrder.BIG_ENDIAN);
    }

    /**
     * A big-endian length field; see {@link #LengthFieldFrameDecoder(int, int, int, int, int, ByteOrder)}.
     */
    public LengthFieldFrameDecoder(int maxFrameLength, int lengthFieldOffset, int lengthFieldLength,
            int lengthAdjustment, int initialBytesToStrip) {
        this(maxFrameLength, lengthFieldOffset, lengthFieldLength, lengthAdjustment, initialBytesToStrip,
                ByteOrder.BIG_ENDIAN);
    }

    /**
     * @param maxFrameLength      the longest frame accepted, header included (before stripping)
     * @param lengthFieldOffset   bytes before the length field
     * @param lengthFieldLength   1, 2, 3, 4 or 8
     * @param lengthAdjustment    added to the length field's value to get the number of bytes after the field
     *                            (for example {@code -lengthFieldLength} if the length counts itself)
     * @param initialBytesToStrip bytes dropped from the start of each frame before it is passed on
     * @param byteOrder           byte order of the length field
     */
    public LengthFieldFrameDecoder(int maxFrameLength, int lengthFieldOffset, int lengthFieldLength,
            int lengthAdjustment, int initialBytesToStrip, ByteOrder byteOrder) {
        super(cumulationLimit(maxFrameLength));
        if (maxFrameLength <= 0) {
            throw new IllegalArgumentException("maxFrameLength " + maxFrameLength + " must be positive");
        }
        if (lengthFieldOffset < 0) {
            throw new IllegalArgumentException("lengthFieldOffset " + lengthFieldOffset + " must be >= 0");
        }
        if (lengthFieldLength != 1 && lengthFieldLength != 2 && lengthFieldLength != 3 && lengthFieldLength != 4
                && lengthFieldLength != 8) {
            throw new IllegalArgumentException("lengthFieldLength " + lengthFieldLength + " must be 1, 2, 3, 4 or 8");
        }
        if (initialBytesToStrip < 0) {
            throw new IllegalArgumentException("initialBytesToStrip " + initialBytesToStrip + " must be >= 0");
        }
        if (lengthFieldOffset > maxFrameLength - lengthFieldLength) {
            throw new IllegalArgumentException("maxFrameLength " + maxFrameLength
                    + " leaves no room for the length field ending at " + (lengthFieldOffset + lengthFieldLength));
        }
        this.maxFrameLength = maxFrameLength;
        this.lengthFieldOffset = lengthFieldOffset;
        this.lengthFieldLength = lengthFieldLength;
        this.lengthFieldEnd = lengthFieldOffset + lengthFieldLength;
        this.lengthAdjustment = lengthAdjustment;
        this.initialBytesToStrip = initialBytesToStrip;
        this.bigEndian = byteOrder == ByteOrder.BIG_ENDIAN;
    }

    static int cumulationLimit(int maxFrameLength) {
        // At most one partial frame plus one read's worth of bytes is ever buffered.
        long limit = (long) maxFrameLength + (1 << 20);
        return (int) Math.min(Integer.MAX_VALUE - 16, Math.max(limit, 64 * 1024));
    }

    /**
     * Whether a too-long frame is skipped (the exception is fired, the channel stays open and decoding resumes
     * with the next frame) instead of failing the connection (the default, {@code false}).
     */
    public LengthFieldFrameDecoder discardTooLongFrames(boolean discard) {
        this.discardTooLongFrames = discard;
        return this;
    }

    /** The longest frame accepted. */
    public int maxFrameLength() {
        return maxFrameLength;
    }

    @Override
    protected void decode(HandlerContext ctx, Buffer in, List<Object> out) {
        if (bytesToDiscard > 0) {
            int skip = (int) Math.min(bytesToDiscard, in.readableBytes());
            in.skipBytes(skip);
            bytesToDiscard -= skip;
            return;
        }
        if (in.readableBytes() < lengthFieldEnd) {
            return;
        }
        int start = in.readerIndex();
        long length = lengthAt(in, start + lengthFieldOffset);
        if (length < 0) {
            throw new CorruptFrameException("negative length field " + length + " at offset " + lengthFieldOffset);
        }
        long frameLength = length + lengthAdjustment + lengthFieldEnd;
        if (frameLength < lengthFieldEnd) {
            throw new CorruptFrameException("length field " + length + " with adjustment " + lengthAdjustment
                    + " gives frame length " + frameLength + ", shorter than the header of " + lengthFieldEnd
                    + " bytes");
        }
        if (frameLength > maxFrameLength) {
            tooLong(ctx, in, frameLength, length);
            return;
        }
        int frame = (int) frameLength;
        if (in.readableBytes() < frame) {
            return;
        }
        if (initialBytesToStrip > frame) {
            in.skipBytes(frame);
            throw new CorruptFrameException("initialBytesToStrip " + initialBytesToStrip
                    + " exceeds the frame length " + frame);
        }
        in.skipBytes(initialBytesToStrip);
        out.add(in.readRetainedSlice(frame - initialBytesToStrip));
    }

    private void tooLong(HandlerContext ctx, Buffer in, long frameLength, long lengthField) {
        TooLongFrameException error = new TooLongFrameException("frame length " + frameLength + " (length field "
                + lengthField + ") exceeds the limit of " + maxFrameLength);
        if (!discardTooLongFrames) {
            throw error;
        }
        int skip = (int) Math.min(frameLength, in.readableBytes());
        in.skipBytes(skip);
        bytesToDiscard = frameLength - skip;
        ctx.fireExceptionCaught(error);
    }

    /** Reads the length field at {@code index}; 1-4 byte fields are unsigned, 8-byte fields signed. */
    protected long lengthAt(Buffer in, int index) {
        switch (lengthFieldLength) {
            case 1:
                return in.getUnsignedByte(index);
            case 2:
                return bigEndian ? in.getUnsignedShort(index) : in.getUnsignedShortLE(index);
            case 3:
                return bigEndian ? in.getUnsignedMedium(index) : in.getUnsignedMediumLE(index);
            case 4:
                return bigEndian ? in.getUnsignedInt(index) : in.getUnsignedIntLE(index);
            default:
                return bigEndian ? in.getLong(index) : in.getLongLE(index);
        }
    }

    @Override
    protected void decodeLast(HandlerContext ctx, Buffer in, List<Object> out) {
        if (bytesToDiscard > 0) {
            // The peer closed inside a frame we were discarding anyway.
            in.skipBytes(in.readableBytes());
            return;
        }
        decode(ctx, in, out);
    }
}
