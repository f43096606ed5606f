package io.weft.examples.tlv;

import io.weft.buffer.Buffer;
import io.weft.codec.ByteToMessageDecoder;
import io.weft.codec.TooLongFrameException;
import io.weft.pipeline.HandlerContext;
import java.util.List;

/** Decodes a byte stream into {@link Tlv} records, however the bytes are split into reads. */
public final class TlvDecoder extends ByteToMessageDecoder {

    private static final int HEADER = 3;
    private final int maxValueLength;

    /** A decoder that refuses values longer than {@code maxValueLength} bytes. */
    public TlvDecoder(int maxValueLength) {
        super(HEADER + maxValueLength); // the cumulation never needs more than one record
        this.maxValueLength = maxValueLength;
    }

    @Override
    protected void decode(HandlerContext ctx, Buffer in, List<Object> out) {
        while (in.readableBytes() >= HEADER) {
            int length = in.getUnsignedShort(in.readerIndex() + 1); // peek: the record may be incomplete
            if (length > maxValueLength) {
                throw new TooLongFrameException("TLV value length " + length + " exceeds limit " + maxValueLength);
            }
            if (in.readableBytes() < HEADER + length) {
                return; // wait for the rest; the base class keeps the unread bytes
            }
            int type = in.readUnsignedByte();
            in.skipBytes(2);
            byte[] value = new byte[length];
            in.readBytes(value);
            out.add(new Tlv(type, value));
        }
    }
}
