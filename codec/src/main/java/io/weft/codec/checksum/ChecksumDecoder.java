package io.weft.codec.checksum;

import io.weft.buffer.Buffer;
import io.weft.codec.ChecksumMismatchException;
import io.weft.codec.CorruptFrameException;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.util.zip.Checksum;

/**
 * Verifies and strips the 4-byte big-endian CRC32 or CRC32C that {@link ChecksumEncoder} added to each frame. Each
 * inbound {@link Buffer} must be one whole frame, so place it behind a frame decoder. A good frame is passed on
 * without its checksum (same memory, indexes adjusted: no copy).
 *
 * <p>A frame whose checksum does not match raises a {@link ChecksumMismatchException} naming the expected value
 * (from the frame) and the actual one (computed); a frame shorter than 4 bytes raises a
 * {@link CorruptFrameException}. Either way the frame is released, the exception is fired down the pipeline, the
 * channel is closed and later frames are dropped. Other messages pass through. One instance per channel;
 * callbacks run on the channel's loop.
 */
public class ChecksumDecoder implements Handler {

    private final ChecksumType type;
    private final ChecksumPosition position;
    private final Checksum checksum;
    private boolean failed;

    /** CRC32C, appended. */
    public ChecksumDecoder() {
        this(ChecksumType.CRC32C, ChecksumPosition.APPEND);
    }

    /** {@code type}, appended. */
    public ChecksumDecoder(ChecksumType type) {
        this(type, ChecksumPosition.APPEND);
    }

    /**
     * @param type     CRC32 or CRC32C
     * @param position where the checksum sits in each frame
     */
    public ChecksumDecoder(ChecksumType type, ChecksumPosition position) {
        this.type = type;
        this.position = position;
        this.checksum = type.newChecksum();
    }

    /** The checksum verified. */
    public ChecksumType type() {
        return type;
    }

    @Override
    public void channelRead(HandlerContext ctx, Object msg) {
        if (!(msg instanceof Buffer frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (failed) {
            frame.release();
            return;
        }
        RuntimeException error = null;
        try {
            int length = frame.readableBytes();
            if (length < 4) {
                error = new CorruptFrameException("frame of " + length + " bytes is shorter than its 4-byte "
                        + type + " checksum");
            } else {
                int start = frame.readerIndex();
                int payloadStart = position == ChecksumPosition.PREPEND ? start + 4 : start;
                int crcIndex = position == ChecksumPosition.PREPEND ? start : start + length - 4;
                int expected = frame.getInt(crcIndex);
                int actual = compute(checksum, frame, payloadStart, length - 4);
                if (expected != actual) {
                    error = new ChecksumMismatchException(String.format(
                            "%s mismatch over a %d-byte payload: expected 0x%08x (from the frame), actual 0x%08x",
                            type, length - 4, expected, actual));
                } else if (position == ChecksumPosition.PREPEND) {
                    frame.skipBytes(4);
                } else {
                    frame.writerIndex(frame.writerIndex() - 4);
                }
            }
        } catch (RuntimeException e) {
            error = e;
        }
        if (error != null) {
            failed = true;
            frame.release();
            ctx.fireExceptionCaught(error);
            ctx.close(null);
            return;
        }
        ctx.fireChannelRead(frame);
    }

    /** The checksum of {@code buf[index, index+length)}, computed over its direct memory. */
    static int compute(Checksum checksum, Buffer buf, int index, int length) {
        checksum.reset();
        if (length > 0) {
            checksum.update(buf.internalNioBuffer(index, length));
        }
        return (int) checksum.getValue();
    }
}
