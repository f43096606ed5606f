package io.weft.codec.compress;

import io.weft.buffer.Buffer;
import java.util.zip.Deflater;

/**
 * Compresses each outbound {@link Buffer} into one complete zlib stream (RFC 1950: 2-byte header, deflate data,
 * Adler-32), readable by Python's {@code zlib.decompress}, the JDK's {@code InflaterInputStream} and
 * {@link ZlibDecoder}; or, with {@link ZlibFormat#RAW}, into one finished raw deflate stream (RFC 1951).
 *
 * <p>The input buffer is released and replaced by one output buffer carrying the same promise; other messages
 * pass through. Compression works on direct memory through the {@code ByteBuffer} overloads of {@link Deflater}.
 * One instance per channel (it owns a native {@code Deflater}, ended when the handler is removed).
 */
public final class ZlibEncoder extends DeflatingEncoder {

    private final ZlibFormat format;

    /** zlib format at the default level. */
    public ZlibEncoder() {
        this(Deflater.DEFAULT_COMPRESSION, ZlibFormat.ZLIB);
    }

    /** zlib format at {@code level} (0-9, or -1 for the default). */
    public ZlibEncoder(int level) {
        this(level, ZlibFormat.ZLIB);
    }

    /**
     * @param level  0 (store) to 9 (best), or -1 for the default
     * @param format {@link ZlibFormat#ZLIB} or {@link ZlibFormat#RAW}
     */
    public ZlibEncoder(int level, ZlibFormat format) {
        super(level, format == ZlibFormat.RAW);
        this.format = format;
    }

    /** The output format. */
    public ZlibFormat format() {
        return format;
    }

    @Override
    int headerLength() {
        return format == ZlibFormat.RAW ? 0 : 2;
    }

    @Override
    int trailerLength() {
        return format == ZlibFormat.RAW ? 0 : 4;
    }

    @Override
    void writeHeader(Buffer out, Buffer input) {
        // The Deflater writes the zlib header and Adler-32 itself.
    }

    @Override
    void writeTrailer(Buffer out, Buffer input) {
    }
}
