package io.weft.codec.compress;

import io.weft.buffer.Buffer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Compresses each outbound {@link io.weft.buffer.Buffer} into one complete gzip member (RFC 1952): a 10-byte
 * header, the deflate data, the CRC32 and length of the input. A sequence of members is itself valid gzip
 * ({@code gzip -d}, Python's {@code gzip}, the JDK's {@code GZIPInputStream} and {@link GzipDecoder} read all of
 * them as one stream), so the output of a whole connection can be saved and decompressed as a file.
 *
 * <p>The input buffer is released and replaced by one output buffer carrying the same promise; other messages
 * pass through. Compression runs on the channel's loop straight over direct memory (no {@code byte[]} copies).
 * One instance per channel (it owns a native {@link Deflater}, ended when the handler is removed).
 */
public final class GzipEncoder extends DeflatingEncoder {

    private static final int HEADER = 10;
    private static final int TRAILER = 8;
    private final CRC32 crc = new CRC32();

    /** Gzip at zlib's default level (6). */
    public GzipEncoder() {
        this(Deflater.DEFAULT_COMPRESSION);
    }

    /** @param level 0 (store) to 9 (best), or -1 for the default */
    public GzipEncoder(int level) {
        super(level, true);
    }

    @Override
    int headerLength() {
        return HEADER;
    }

    @Override
    int trailerLength() {
        return TRAILER;
    }

    @Override
    void writeHeader(Buffer out, Buffer input) {
        out.writeShort(0x1f8b);                 // magic
        out.writeByte(Deflater.DEFLATED);       // CM = 8
        out.writeByte(0);                       // FLG: no name, comment, extra or header CRC
        out.writeInt(0);                        // MTIME: none
        int level = level();
        out.writeByte(level == Deflater.BEST_COMPRESSION ? 2 : level == Deflater.BEST_SPEED ? 4 : 0); // XFL
        out.writeByte(255);                     // OS: unknown
        crc.reset();
        if (input.isReadable()) {
            crc.update(input.internalNioBuffer(input.readerIndex(), input.readableBytes()));
        }
    }

    @Override
    void writeTrailer(Buffer out, Buffer input) {
        out.writeIntLE((int) crc.getValue());
        out.writeIntLE(input.readableBytes());
    }
}
