package io.weft.codec.frame;

import io.weft.buffer.Buffer;
import io.weft.codec.ByteToMessageDecoder;
import io.weft.codec.TooLongFrameException;
import io.weft.pipeline.HandlerContext;
import java.util.List;

/**
 * Splits a byte stream into lines ending in {@code \n} or {@code \r\n}. Each line is passed on as a retained
 * slice of the received bytes, without its line ending (the default) or with it.
 *
 * <p><b>Limits.</b> A line longer than {@code maxLineLength} (line ending excluded) is rejected as soon as that
 * many bytes without a line ending are buffered: {@link TooLongFrameException} and the channel closes, or, with
 * {@link #discardTooLongFrames(boolean) discardTooLongFrames(true)}, the exception is fired, the rest of the line
 * is dropped as it arrives (unbuffered) and decoding resumes after its line ending. An unterminated last line when
 * the channel closes raises a {@link io.weft.codec.CorruptFrameException}.
 *
 * <p>Searching is incremental (linear time however the bytes are split). One instance per channel; callbacks run
 * on the channel's loop.
 */
public class LineFrameDecoder extends ByteToMessageDecoder {

    private final int maxLineLength;
    private final boolean stripDelimiter;
    private boolean discardTooLongFrames;
    private boolean discarding;
    private int searched;

    /** Lines of at most {@code maxLineLength} bytes, line endings stripped. */
    public LineFrameDecoder(int maxLineLength) {
        this(maxLineLength, true);
    }

    /**
     * @param maxLineLength  the longest line accepted, line ending excluded
     * @param stripDelimiter whether the line ending is removed from the line passed on
     */
    public LineFrameDecoder(int maxLineLength, boolean stripDelimiter) {
        super(LengthFieldFrameDecoder.cumulationLimit(maxLineLength));
        if (maxLineLength <= 0) {
            throw new IllegalArgumentException("maxLineLength " + maxLineLength + " must be positive");
        }
        this.maxLineLength = maxLineLength;
        this.stripDelimiter = stripDelimiter;
    }

    /**
     * Whether a too-long line is skipped (the exception is fired, the channel stays open) instead of failing the
     * connection (the default, {@code false}).
     */
    public LineFrameDecoder discardTooLongFrames(boolean discard) {
        this.discardTooLongFrames = discard;
        return this;
    }

    @Override
    protected void decode(HandlerContext ctx, Buffer in, List<Object> out) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        int eol = in.indexOf(start + searched, end, (byte) '\n');
        if (eol < 0) {
            searched = end - start;
            if (discarding) {
                in.skipBytes(end - start);
                searched = 0;
            } else if (lineLength(in, start, end) > maxLineLength) {
                int seen = end - start;
                TooLongFrameException error = new TooLongFrameException("line length exceeds the limit of "
                        + maxLineLength + ": " + seen + " bytes without a line ending");
                if (!discardTooLongFrames) {
                    throw error;
                }
                discarding = true;
                in.skipBytes(seen);
                searched = 0;
                ctx.fireExceptionCaught(error);
            }
            return;
        }
        searched = 0;
        int delimiterLength = eol > start && in.getByte(eol - 1) == '\r' ? 2 : 1;
        int length = eol + 1 - delimiterLength - start;
        if (discarding) {
            discarding = false;
            in.skipBytes(eol + 1 - start);
            return;
        }
        DelimitedFrames.emit(ctx, in, out, length, delimiterLength, maxLineLength, stripDelimiter,
                discardTooLongFrames, "line");
    }

    /** Length of an unterminated line: a trailing {@code \r} may be the start of its line ending. */
    private static int lineLength(Buffer in, int start, int end) {
        int length = end - start;
        if (length > 0 && in.getByte(end - 1) == '\r') {
            length--;
        }
        return length;
    }

    @Override
    protected void decodeLast(HandlerContext ctx, Buffer in, List<Object> out) {
        decode(ctx, in, out);
        if (discarding) {
            in.skipBytes(in.readableBytes());
        }
    }
}
