package io.weft.codec.string;

import io.weft.buffer.Buffer;
import io.weft.codec.MessageToByteEncoder;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * Encodes outbound {@link CharSequence}s (UTF-8 by default) into pooled {@link Buffer}s, optionally followed by a
 * fixed suffix such as a line ending: {@code new StringEncoder(UTF_8, "\n")} is the outbound half of a line
 * protocol whose inbound half is {@code LineFrameDecoder} + {@link StringDecoder}. Other messages pass through.
 * Stateless and {@link Handler.Sharable sharable}: one instance may be added to many pipelines.
 */
@Handler.Sharable
public class StringEncoder extends MessageToByteEncoder<CharSequence> {

    private final Charset charset;
    private final String suffix;
    private final float maxBytesPerChar;

    /** UTF-8, no suffix. */
    public StringEncoder() {
        this(StandardCharsets.UTF_8, "");
    }

    /** {@code charset}, no suffix. */
    public StringEncoder(Charset charset) {
        this(charset, "");
    }

    /**
     * @param charset the encoding
     * @param suffix  appended to every message, for example {@code "\n"} or {@code "\r\n"}
     */
    public StringEncoder(Charset charset, String suffix) {
        super(CharSequence.class);
        this.charset = charset;
        this.suffix = suffix;
        this.maxBytesPerChar = charset.newEncoder().maxBytesPerChar();
    }

    @Override
    protected int sizeHint(HandlerContext ctx, CharSequence msg) {
        return (int) Math.min(Integer.MAX_VALUE - 16, (long) ((msg.length() + suffix.length()) * maxBytesPerChar));
    }

    @Override
    protected void encode(HandlerContext ctx, CharSequence msg, Buffer out) {
        out.writeCharSequence(msg, charset);
        if (!suffix.isEmpty()) {
            out.writeCharSequence(suffix, charset);
        }
    }
}
