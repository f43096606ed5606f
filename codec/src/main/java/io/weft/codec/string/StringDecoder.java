package io.weft.codec.string;

import io.weft.buffer.Buffer;
import io.weft.codec.CorruptFrameException;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns each inbound {@link Buffer} into a {@link String} (UTF-8 by default) and releases the buffer. Each buffer
 * must be a whole message, so place it behind a frame decoder, typically
 * {@link io.weft.codec.frame.LineFrameDecoder} for a line protocol. Other messages pass through.
 *
 * <p>By default malformed input is replaced by U+FFFD, as {@code new String(bytes, UTF_8)} does. A strict decoder
 * ({@link #strict(Charset)}) raises a {@link CorruptFrameException} instead, which closes nothing by itself: it is
 * fired down the pipeline for the application to decide. One instance per channel when strict (it holds a
 * {@link CharsetDecoder}); a lenient one is stateless and
 * {@link #isSharable() sharable}: one instance may be added to many pipelines.
 */
public class StringDecoder implements Handler {

    private final Charset charset;
    private final CharsetDecoder strictDecoder;

    /** UTF-8, lenient. */
    public StringDecoder() {
        this(StandardCharsets.UTF_8);
    }

    /** {@code charset}, lenient (malformed input becomes U+FFFD). */
    public StringDecoder(Charset charset) {
        this(charset, false);
    }

    private StringDecoder(Charset charset, boolean strict) {
        this.charset = charset;
        this.strictDecoder = strict ? charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT) : null;
    }

    /** A decoder that rejects malformed input with a {@link CorruptFrameException}. */
    public static StringDecoder strict(Charset charset) {
        return new StringDecoder(charset, true);
    }

    /** A lenient decoder is stateless and may be added to many pipelines; a strict one holds a decoder. */
    @Override
    public boolean isSharable() {
        return strictDecoder == null;
    }

    @Override
    public void channelRead(HandlerContext ctx, Object msg) {
        if (!(msg instanceof Buffer buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        String text;
        try {
            if (strictDecoder == null) {
                text = buf.toString(charset);
            } else {
                ByteBuffer view = buf.internalNioBuffer(buf.readerIndex(), buf.readableBytes());
                text = strictDecoder.reset().decode(view).toString();
            }
        } catch (CharacterCodingException e) {
            ctx.fireExceptionCaught(new CorruptFrameException("malformed " + charset + " input in a "
                    + buf.readableBytes() + "-byte message: " + e, e));
            return;
        } finally {
            buf.release();
        }
        ctx.fireChannelRead(text);
    }
}
