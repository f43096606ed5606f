package io.weft.codec.compress;

import io.weft.buffer.Buffer;
import io.weft.codec.ChecksumMismatchException;
import io.weft.codec.CorruptFrameException;
import io.weft.pipeline.HandlerContext;
import java.util.zip.CRC32;

/**
 * Decompresses gzip data (RFC 1952): the output of {@link GzipEncoder}, the JDK's {@code GZIPOutputStream},
 * command-line {@code gzip} or Python's {@code gzip} module. Header fields (extra, name, comment, header CRC) are
 * parsed and skipped; the trailer's CRC32 and length are verified.
 *
 * <p><b>Message semantics.</b> Each gzip member is one message. Members may follow each other back to back (as in
 * a concatenated {@code .gz} file, or one member per frame behind a frame decoder) and may be split across inbound
 * buffers anyhow. Decompressed bytes are passed on as {@link Buffer}s of at most {@code chunkSize} bytes (default
 * 64 KiB) as soon as each fills, plus the partly filled one at the end of each inbound buffer, so a member's bytes
 * arrive in order but may span several buffers. The decompressed size of one member is bounded (16 MiB by
 * default): a member inflating past it (a "gzip bomb") raises a {@link io.weft.codec.DecompressionLimitException}
 * and the channel closes, the decoder having held no more than one output chunk.
 *
 * <p>Errors, each closing the channel: data that is not gzip or is corrupt raises a {@link CorruptFrameException}
 * naming what was seen; a trailer CRC32 that does not match the data raises a {@link ChecksumMismatchException}
 * with expected and actual values; the channel closing inside a member raises a {@link CorruptFrameException}.
 *
 * <p>One instance per channel (it owns a native {@link java.util.zip.Inflater}, ended when the handler is
 * removed). Callbacks run on the channel's loop.
 */
public final class GzipDecoder extends InflatingDecoder {

    private static final int MAX_HEADER = 64 * 1024;
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;
    private static final int RESERVED = 0xE0;

    private enum State { HEADER, BODY, TRAILER }

    private final CRC32 crc = new CRC32();
    private State state = State.HEADER;
    private byte[] header = new byte[64];
    private int headerBytes;
    private final byte[] trailer = new byte[8];
    private int trailerBytes;

    /** 16 MiB per member, 64 KiB output chunks. */
    public GzipDecoder() {
        this(DEFAULT_MAX_DECOMPRESSED_BYTES, DEFAULT_CHUNK_SIZE);
    }

    /** The given bound on one member's decompressed size, 64 KiB output chunks. */
    public GzipDecoder(long maxDecompressedBytes) {
        this(maxDecompressedBytes, DEFAULT_CHUNK_SIZE);
    }

    /**
     * @param maxDecompressedBytes bound on the decompressed size of one gzip member
     * @param chunkSize            the largest output buffer passed on
     */
    public GzipDecoder(long maxDecompressedBytes, int chunkSize) {
        super(true, maxDecompressedBytes, chunkSize);
    }

    @Override
    void decode(HandlerContext ctx, Buffer in) throws Exception {
        while (in.isReadable()) {
            switch (state) {
                case HEADER:
                    if (!readHeader(in)) {
                        return;
                    }
                    state = State.BODY;
                    break;
                case BODY:
                    if (!inflate(ctx, in)) {
                        return;
                    }
                    state = State.TRAILER;
                    break;
                default:
                    int take = Math.min(8 - trailerBytes, in.readableBytes());
                    in.readBytes(trailer, trailerBytes, take);
                    trailerBytes += take;
                    consumed += take;
                    if (trailerBytes < 8) {
                        return;
                    }
                    checkTrailer();
                    state = State.HEADER;
                    trailerBytes = 0;
                    headerBytes = 0;
                    crc.reset();
                    resetMessage();
            }
        }
    }

    /** Copies header bytes as needed; returns whether the whole header has been consumed. */
    private boolean readHeader(Buffer in) {
        while (in.isReadable()) {
            int before = headerBytes;
            int take = Math.min(in.readableBytes(), Math.min(256, MAX_HEADER - headerBytes));
            if (take == 0) {
                throw new CorruptFrameException("gzip header longer than the limit of " + MAX_HEADER + " bytes");
            }
            if (header.length < headerBytes + take) {
                header = java.util.Arrays.copyOf(header, Math.max(header.length * 2, headerBytes + take));
            }
            in.getBytes(in.readerIndex(), header, headerBytes, take);
            headerBytes += take;
            int length = headerLength();
            if (length >= 0) {
                in.skipBytes(length - before);
                consumed += length - before;
                headerBytes = 0;
                return true;
            }
            in.skipBytes(take);
            consumed += take;
        }
        return false;
    }

    /** The header's length if {@code header[0..headerBytes)} holds all of it, else -1; validates as it goes. */
    private int headerLength() {
        byte[] h = header;
        int n = headerBytes;
        if (n >= 1 && (h[0] & 0xFF) != 0x1f || n >= 2 && (h[1] & 0xFF) != 0x8b) {
            throw new CorruptFrameException(String.format("not gzip data: first bytes 0x%02x%02x, expected 0x1f8b",
                    h[0] & 0xFF, n >= 2 ? h[1] & 0xFF : 0));
        }
        if (n >= 3 && h[2] != 8) {
            throw new CorruptFrameException("unsupported gzip compression method " + (h[2] & 0xFF)
                    + ", expected 8 (deflate)");
        }
        if (n < 10) {
            return -1;
        }
        int flags = h[3] & 0xFF;
        if ((flags & RESERVED) != 0) {
            throw new CorruptFrameException(String.format("gzip header flags 0x%02x set reserved bits", flags));
        }
        int p = 10;
        if ((flags & FEXTRA) != 0) {
            if (n < p + 2) {
                return -1;
            }
            int xlen = (h[p] & 0xFF) | (h[p + 1] & 0xFF) << 8;
            p += 2 + xlen;
            if (n < p) {
                return -1;
            }
        }
        if ((flags & FNAME) != 0) {
            p = skipZeroTerminated(h, p, n);
            if (p < 0) {
                return -1;
            }
        }
        if ((flags & FCOMMENT) != 0) {
            p = skipZeroTerminated(h, p, n);
            if (p < 0) {
                return -1;
            }
        }
        if ((flags & FHCRC) != 0) {
            if (n < p + 2) {
                return -1;
            }
            CRC32 headerCrc = new CRC32();
            headerCrc.update(h, 0, p);
            int expected = (h[p] & 0xFF) | (h[p + 1] & 0xFF) << 8;
            int actual = (int) headerCrc.getValue() & 0xFFFF;
            if (expected != actual) {
                throw new ChecksumMismatchException(String.format(
                        "gzip header CRC16 mismatch: expected 0x%04x, actual 0x%04x", expected, actual));
            }
            p += 2;
        }
        return p;
    }

    private static int skipZeroTerminated(byte[] h, int p, int n) {
        for (int i = p; i < n; i++) {
            if (h[i] == 0) {
                return i + 1;
            }
        }
        return -1;
    }

    private void checkTrailer() {
        byte[] t = trailer;
        long expectedCrc = (t[0] & 0xFFL) | (t[1] & 0xFFL) << 8 | (t[2] & 0xFFL) << 16 | (t[3] & 0xFFL) << 24;
        long expectedSize = (t[4] & 0xFFL) | (t[5] & 0xFFL) << 8 | (t[6] & 0xFFL) << 16 | (t[7] & 0xFFL) << 24;
        long actualCrc = crc.getValue();
        if (expectedCrc != actualCrc) {
            throw new ChecksumMismatchException(String.format(
                    "gzip CRC32 mismatch: expected 0x%08x (trailer), actual 0x%08x over %d bytes",
                    expectedCrc, actualCrc, produced));
        }
        long actualSize = produced & 0xFFFFFFFFL;
        if (expectedSize != actualSize) {
            throw new CorruptFrameException("gzip length mismatch: trailer says " + expectedSize + " bytes (mod 2^32), "
                    + "decompressed " + produced);
        }
    }

    @Override
    void inflated(Buffer chunk, int index, int length) {
        crc.update(chunk.internalNioBuffer(index, length));
    }

    @Override
    boolean insideMessage() {
        return state != State.HEADER || headerBytes > 0;
    }

    @Override
    String unitName() {
        return "gzip member";
    }
}
