package io.weft.codec.frame;

import io.weft.buffer.Buffer;
import io.weft.codec.ByteToMessageDecoder;
import io.weft.codec.TooLongFrameException;
import io.weft.pipeline.HandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Splits a byte stream at any of one or more delimiters. When several delimiters match, the one that yields the
 * shortest frame wins. Frames are passed on as retained slices of the received bytes, with the delimiter stripped
 * (the default) or kept.
 *
 * <p><b>Limits.</b> A frame (delimiter excluded) longer than {@code maxFrameLength} is rejected as soon as more
 * than {@code maxFrameLength} bytes without a delimiter are buffered: the decoder fails with a
 * {@link TooLongFrameException} and the channel closes, or, with {@link #discardTooLongFrames(boolean)
 * discardTooLongFrames(true)}, fires the exception, drops bytes up to and including the next delimiter without
 * buffering them and carries on. Bytes left without a delimiter when the channel closes raise a
 * {@link io.weft.codec.CorruptFrameException}.
 *
 * <p>Searching is incremental: bytes already searched are not searched again when more arrive, so a frame
 * delivered one byte at a time costs linear time. One instance per channel; callbacks run on the channel's loop.
 */
public class DelimiterFrameDecoder extends ByteToMessageDecoder {

    private final byte[][] delimiters;
    private final int maxFrameLength;
    private final boolean stripDelimiter;
    private final int longestDelimiter;
    private boolean discardTooLongFrames;
    private boolean discarding;
    private long discardedBytes;
    /** Offset from the reader index up to which no delimiter starts. */
    private int searched;

    /** Splits at {@code delimiters}, stripping them. */
    public DelimiterFrameDecoder(int maxFrameLength, byte[]... delimiters) {
        this(maxFrameLength, true, delimiters);
    }

    /**
     * @param maxFrameLength the longest frame accepted, delimiter excluded
     * @param stripDelimiter whether the delimiter is removed from the frame passed on
     * @param delimiters     one or more non-empty delimiters
     */
    public DelimiterFrameDecoder(int maxFrameLength, boolean stripDelimiter, byte[]... delimiters) {
        super(LengthFieldFrameDecoder.cumulationLimit(maxFrameLength));
        if (maxFrameLength <= 0) {
            throw new IllegalArgumentException("maxFrameLength " + maxFrameLength + " must be positive");
        }
        if (delimiters == null || delimiters.length == 0) {
            throw new IllegalArgumentException("at least one delimiter is required");
        }
        int longest = 0;
        this.delimiters = new byte[delimiters.length][];
        for (int i = 0; i < delimiters.length; i++) {
            if (delimiters[i] == null || delimiters[i].length == 0) {
                throw new IllegalArgumentException("delimiter " + i + " is empty");
            }
            this.delimiters[i] = delimiters[i].clone();
            longest = Math.max(longest, delimiters[i].length);
        }
        this.longestDelimiter = longest;
        this.maxFrameLength = maxFrameLength;
        this.stripDelimiter = stripDelimiter;
    }

    /** A delimiter given as UTF-8 text, for example {@code utf8("\0")}. */
    public static byte[] utf8(String delimiter) {
        return delimiter.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Whether a too-long frame is skipped up to the next delimiter (the exception is fired, the channel stays open)
     * instead of failing the connection (the default, {@code false}).
     */
    public DelimiterFrameDecoder discardTooLongFrames(boolean discard) {
        this.discardTooLongFrames = discard;
        return this;
    }

    @Override
    protected void decode(HandlerContext ctx, Buffer in, List<Object> out) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        int bestIndex = -1;
        int bestLength = 0;
        int from = start + searched;
        for (int i = from; i < end && bestIndex < 0; i++) {
            for (byte[] d : delimiters) {
                if (matches(in, i, end, d)) {
                    bestIndex = i;
                    bestLength = d.length;
                    break;
                }
            }
        }
        if (bestIndex < 0) {
            // Keep the last (longest - 1) bytes searchable: a delimiter may straddle the next read.
            searched = Math.max(searched, (end - start) - (longestDelimiter - 1));
            int frameSoFar = end - start;
            if (discarding) {
                int skip = Math.max(0, frameSoFar - (longestDelimiter - 1));
                in.skipBytes(skip);
                discardedBytes += skip;
                searched = Math.max(0, searched - skip);
            } else if (frameSoFar - (longestDelimiter - 1) > maxFrameLength) {
                // At least this many bytes precede the next delimiter, which may have begun arriving.
                tooLong(ctx, in, frameSoFar);
            }
            return;
        }
        int frameLength = bestIndex - start;
        searched = 0;
        if (discarding) {
            discarding = false;
            discardedBytes = 0;
            in.skipBytes(frameLength + bestLength);
            return;
        }
        DelimitedFrames.emit(ctx, in, out, frameLength, bestLength, maxFrameLength, stripDelimiter,
                discardTooLongFrames, "frame");
    }

    private static boolean matches(Buffer in, int index, int end, byte[] delimiter) {
        if (end - index < delimiter.length) {
            return false;
        }
        for (int j = 0; j < delimiter.length; j++) {
            if (in.getByte(index + j) != delimiter[j]) {
                return false;
            }
        }
        return true;
    }

    private void tooLong(HandlerContext ctx, Buffer in, int seen) {
        TooLongFrameException error = new TooLongFrameException("frame length exceeds the limit of "
                + maxFrameLength + ": " + seen + " bytes without a delimiter");
        if (!discardTooLongFrames) {
            throw error;
        }
        discarding = true;
        int skip = Math.max(0, seen - (longestDelimiter - 1));
        in.skipBytes(skip);
        discardedBytes = skip;
        searched = Math.max(0, searched - skip);
        ctx.fireExceptionCaught(error);
    }

    @Override
    protected void decodeLast(HandlerContext ctx, Buffer in, List<Object> out) {
        decode(ctx, in, out);
        if (discarding) {
            in.skipBytes(in.readableBytes());
        }
    }
}
