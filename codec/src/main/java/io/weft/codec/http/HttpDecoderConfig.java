package io.weft.codec.http;

/**
 * Limits of an HTTP decoder. Immutable; {@code with*} methods return a changed copy.
 *
 * <pre>{@code
 * HttpDecoderConfig config = HttpDecoderConfig.DEFAULT.withMaxContentLength(1 << 20);
 * }</pre>
 *
 * @param maxInitialLineLength longest request line or status line in bytes (default 8192; a request over it
 *                             gets 414)
 * @param maxHeaderSize        largest header section (all field lines, or all trailer lines) in bytes (default
 *                             8192; a request over it gets 431)
 * @param maxHeaderCount       most header fields (default 100; a request over it gets 431)
 * @param maxContentLength     largest body in bytes (default 64 MiB; a request over it gets 413)
 * @param maxChunkSize         largest {@link HttpContent} emitted; bigger bodies arrive in several parts
 *                             (default 64 KiB)
 */
public record HttpDecoderConfig(int maxInitialLineLength, int maxHeaderSize, int maxHeaderCount,
        long maxContentLength, int maxChunkSize) {

    /** The defaults listed above. */
    public static final HttpDecoderConfig DEFAULT = new HttpDecoderConfig(8192, 8192, 100, 64L << 20, 64 << 10);

    /** Checks every limit is positive. */
    public HttpDecoderConfig {
        positive("maxInitialLineLength", maxInitialLineLength);
        positive("maxHeaderSize", maxHeaderSize);
        positive("maxHeaderCount", maxHeaderCount);
        positive("maxContentLength", maxContentLength);
        positive("maxChunkSize", maxChunkSize);
    }

    private static void positive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }

    /** A copy with another request-line limit. */
    public HttpDecoderConfig withMaxInitialLineLength(int value) {
        return new HttpDecoderConfig(value, maxHeaderSize, maxHeaderCount, maxContentLength, maxChunkSize);
    }

    /** A copy with another header-section size limit. */
    public HttpDecoderConfig withMaxHeaderSize(int value) {
        return new HttpDecoderConfig(maxInitialLineLength, value, maxHeaderCount, maxContentLength, maxChunkSize);
    }

    /** A copy with another header-count limit. */
    public HttpDecoderConfig withMaxHeaderCount(int value) {
        return new HttpDecoderConfig(maxInitialLineLength, maxHeaderSize, value, maxContentLength, maxChunkSize);
    }

    /** A copy with another body-size limit. */
    public HttpDecoderConfig withMaxContentLength(long value) {
        return new HttpDecoderConfig(maxInitialLineLength, maxHeaderSize, maxHeaderCount, value, maxChunkSize);
    }

    /** A copy with another body-part size. */
    public HttpDecoderConfig withMaxChunkSize(int value) {
        return new HttpDecoderConfig(maxInitialLineLength, maxHeaderSize, maxHeaderCount, maxContentLength, value);
    }
}
