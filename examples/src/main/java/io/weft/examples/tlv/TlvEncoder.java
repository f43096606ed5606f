package io.weft.examples.tlv;

import io.weft.buffer.Buffer;
import io.weft.codec.MessageToByteEncoder;
import io.weft.pipeline.HandlerContext;

/** Encodes {@link Tlv} records; other messages pass through. */
public final class TlvEncoder extends MessageToByteEncoder<Tlv> {

    /** An encoder for {@link Tlv} messages. */
    public TlvEncoder() {
        super(Tlv.class);
    }

    @Override
    protected int sizeHint(HandlerContext ctx, Tlv msg) {
        return 3 + msg.value().length;
    }

    @Override
    protected void encode(HandlerContext ctx, Tlv msg, Buffer out) {
        out.writeByte(msg.type());
        out.writeShort(msg.value().length);
        out.writeBytes(msg.value());
    }
}
