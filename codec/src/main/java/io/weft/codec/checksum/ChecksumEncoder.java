package io.weft.codec.checksum;

import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.util.concurrent.CompletableFuture;
import java.util.zip.Checksum;

/**
 * Adds a 4-byte big-endian CRC32 or CRC32C of each outbound {@link Buffer} after it ({@link ChecksumPosition#APPEND},
 * the default) or before it, so that each frame stays one buffer. The checksum is computed over the buffer's
 * direct memory (the JDK's intrinsic {@code update(ByteBuffer)}); when appending, it is written in place after the
 * payload if the buffer can take 4 more bytes (encoders' output buffers can), otherwise, and always when
 * prepending, the frame is copied into a new buffer. Other messages pass through.
 *
 * <p>Place it behind a frame encoder ({@code LengthFieldPrepender}) so the frame boundaries survive the stream:
 * the matching inbound stage is {@link ChecksumDecoder} behind a frame decoder. One instance per channel (it holds
 * a checksum object); callbacks run on the channel's loop.
 */
public class ChecksumEncoder implements Handler {

    private final ChecksumType type;
    private final ChecksumPosition position;
    private final Checksum checksum;

    /** CRC32C appended. */
    public ChecksumEncoder() {
        this(ChecksumType.CRC32C, ChecksumPosition.APPEND);
    }

    /** {@code type} appended. */
    public ChecksumEncoder(ChecksumType type) {
        this(type, ChecksumPosition.APPEND);
    }

    /**
     * @param type     CRC32 or CRC32C
     * @param position before or after the payload
     */
    public ChecksumEncoder(ChecksumType type, ChecksumPosition position) {
        this.type = type;
        this.position = position;
        this.checksum = type.newChecksum();
    }

    /** The checksum written. */
    public ChecksumType type() {
        return type;
    }

    @Override
    public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) {
        if (!(msg instanceof Buffer payload)) {
            ctx.write(msg, promise);
            return;
        }
        Buffer frame;
        try {
            int value = ChecksumDecoder.compute(checksum, payload, payload.readerIndex(), payload.readableBytes());
            if (position == ChecksumPosition.APPEND && payload.maxWritableBytes() >= 4) {
                payload.writeInt(value); // in place: the payload buffer is ours, and usually has room
                frame = payload;
            } else {
                frame = ctx.alloc().allocate(4 + payload.readableBytes());
                if (position == ChecksumPosition.PREPEND) {
                    frame.writeInt(value).writeBytes(payload);
                } else {
                    frame.writeBytes(payload).writeInt(value);
                }
                payload.release();
            }
        } catch (RuntimeException | Error e) {
            ReferenceCounted.safeRelease(payload);
            throw e;
        }
        ctx.write(frame, promise);
    }
}
