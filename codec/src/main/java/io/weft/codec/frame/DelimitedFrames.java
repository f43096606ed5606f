package io.weft.codec.frame;

import io.weft.buffer.Buffer;
import io.weft.codec.TooLongFrameException;
import io.weft.pipeline.HandlerContext;
import java.util.List;

/** What the line and delimiter decoders do once they have found a frame's end: one copy of the rule for both. */
final class DelimitedFrames {

    private DelimitedFrames() {
    }

    /**
     * Takes the frame of {@code length} bytes at the reader index, followed by a delimiter of
     * {@code delimiterLength} bytes, out of {@code in}: into {@code out} (with or without its delimiter), or, when it
     * is longer than {@code max}, skips it and throws {@link TooLongFrameException} (or fires it and carries on, when
     * {@code discardTooLong}).
     */
    static void emit(HandlerContext ctx, Buffer in, List<Object> out, int length, int delimiterLength, int max,
            boolean stripDelimiter, boolean discardTooLong, String what) {
        if (length > max) {
            in.skipBytes(length + delimiterLength);
            TooLongFrameException error = new TooLongFrameException(
                    what + " length " + length + " exceeds the limit of " + max);
            if (!discardTooLong) {
                throw error;
            }
            ctx.fireExceptionCaught(error);
            return;
        }
        if (stripDelimiter) {
            out.add(in.readRetainedSlice(length));
            in.skipBytes(delimiterLength);
        } else {
            out.add(in.readRetainedSlice(length + delimiterLength));
        }
    }
}
