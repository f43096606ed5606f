package io.weft.codec.frame;

import io.weft.buffer.Buffer;
import io.weft.codec.ByteToMessageDecoder;
import io.weft.pipeline.HandlerContext;
import java.util.List;

/**
 * Splits a byte stream into frames of exactly {@code frameLength} bytes, passed on as retained slices of the
 * received bytes. The frame length is also the limit: at most one partial frame is ever buffered. Bytes of an
 * incomplete frame when the channel closes raise a {@link io.weft.codec.CorruptFrameException}.
 *
 * <p>One instance per channel; callbacks run on the channel's loop.
 */
public class FixedLengthFrameDecoder extends ByteToMessageDecoder {

    private final int frameLength;

    /** @param frameLength the length of every frame, positive */
    public FixedLengthFrameDecoder(int frameLength) {
        super(LengthFieldFrameDecoder.cumulationLimit(frameLength));
        if (frameLength <= 0) {
            throw new IllegalArgumentException("frameLength " + frameLength + " must be positive");
        }
        this.frameLength = frameLength;
    }

    @Override
    protected void decode(HandlerContext ctx, Buffer in, List<Object> out) {
        while (in.readableBytes() >= frameLength) {
            out.add(in.readRetainedSlice(frameLength));
        }
    }
}
