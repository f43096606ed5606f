package io.weft.codec.compress;

import io.weft.buffer.Buffer;
import io.weft.pipeline.HandlerContext;

/**
 * Decompresses a stream of zlib streams (RFC 1950), or raw deflate streams with {@link ZlibFormat#RAW}, as
 * produced by {@link ZlibEncoder}, Python's {@code zlib.compress} or the JDK's {@code DeflaterOutputStream}.
 *
 * <p><b>Message semantics.</b> Each zlib stream is one message. Streams may follow each other back to back and
 * may be split across inbound buffers anyhow (a frame decoder in front is not required). Decompressed bytes are
 * passed on as {@link Buffer}s of at most {@code chunkSize} bytes (default 64 KiB) as they are produced, plus
 * the partly filled one at the end of each inbound buffer; a message's bytes therefore arrive in order but may span
 * several buffers. The decompressed size of one message is bounded (16 MiB by
 * default): a stream inflating past it raises a {@link io.weft.codec.DecompressionLimitException} and the
 * channel closes, having held no more than one chunk. Invalid data raises a
 * {@link io.weft.codec.CorruptFrameException}, as does the channel closing inside a stream.
 *
 * <p>One instance per channel (it owns a native {@link java.util.zip.Inflater}, ended when the handler is
 * removed). Callbacks run on the channel's loop.
 */
public final class ZlibDecoder extends InflatingDecoder {

    private final ZlibFormat format;
    private boolean inStream;

    /** zlib format, 16 MiB per message, 64 KiB output chunks. */
    public ZlibDecoder() {
        this(ZlibFormat.ZLIB, DEFAULT_MAX_DECOMPRESSED_BYTES, DEFAULT_CHUNK_SIZE);
    }

    /** zlib format with the given bound on one message's decompressed size. */
    public ZlibDecoder(long maxDecompressedBytes) {
        this(ZlibFormat.ZLIB, maxDecompressedBytes, DEFAULT_CHUNK_SIZE);
    }

    /**
     * @param format               {@link ZlibFormat#ZLIB} or {@link ZlibFormat#RAW}
     * @param maxDecompressedBytes bound on the decompressed size of one stream
     * @param chunkSize            the largest output buffer passed on
     */
    public ZlibDecoder(ZlibFormat format, long maxDecompressedBytes, int chunkSize) {
        super(format == ZlibFormat.RAW, maxDecompressedBytes, chunkSize);
        this.format = format;
    }

    @Override
    void decode(HandlerContext ctx, Buffer in) throws Exception {
        while (in.isReadable()) {
            inStream = true;
            if (inflate(ctx, in)) {
                inStream = false;
                resetMessage();
            } else {
                return;
            }
        }
    }

    @Override
    boolean insideMessage() {
        return inStream;
    }

    @Override
    String unitName() {
        return format == ZlibFormat.RAW ? "deflate stream" : "zlib stream";
    }
}
