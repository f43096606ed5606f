package io.weft.codec.http;

/**
 * Limits of an HTTP decoder. Immutable; {@code with*} methods return a changed copy.
 *
 * <pre>{@code
 * HttpDecoderConfig config = HttpDecoderConfig.DEFAULT.withMaxContentLength(1 << 20);
 * }</pre>
 *
 * @param maxInitialLineLength    longest request line or status line in bytes, without its CRLF (default 8192;
 *                                a request over it gets 414)
 * @param maxHeaderSize           largest header section in bytes: every field line with its CRLF, without the
 *                                request line and the empty line that ends the section (default 8192; a request
 *                                over it gets 431). The trailer section of a chunked body has the same limit.
 * @param maxHeaderCount          most header fields (default 100; a request over it gets 431); also for trailers
 * @param maxContentLength        largest body in bytes (default 64 MiB; a request over it gets 413)
 * @param maxChunkSize            largest {@link HttpContent} emitted; bigger bodies arrive in several parts
 *                                (default 64 KiB)
 * @param maxChunkExtensionLength most bytes of chunk extensions ({@code ;name=value} after a chunk size) summed
 *                                over one chunked body (default 4096; more gets 400)
 */
public record HttpDecoderConfig(int maxInitialLineLength, int maxHeaderSize, int maxHeaderCount,
        long maxContentLength, int maxChunkSize, int maxChunkExtensionLength) {

    /** The defaults listed above. */
    public static final HttpDecoderConfig DEFAULT =
            new HttpDecoderConfig(8192, 8192, 100, 64L << 20, 64 << 10, 4096);

    /** Checks every limit is positive. */
    public HttpDecoderConfig {
        positive("maxInitialLineLength", maxInitialLineLength);
        positive("maxHeaderSize", maxHeaderSize);
        positive("maxHeaderCount", maxHeaderCount);
        positive("maxContentLength", maxContentLength);
        positive("maxChunkSize", maxChunkSize);
        positive("maxChunkExtensionLength", maxChunkExtensionLength);
    }

    /** The first five limits, with the default chunk-extension limit (4096). */
    public HttpDecoderConfig(int maxInitialLineLength, int maxHeaderSize, int maxHeaderCount, long maxContentLength,
            int maxChunkSize) {
        this(maxInitialLineLength, maxHeaderSize, maxHeaderCount, maxContentLength, maxChunkSize, 4096);
    }

    private static void positive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }

    /** A copy with another request-line limit. */
    public HttpDecoderConfig withMaxInitialLineLength(int value) {
        return new HttpDecoderConfig(value, maxHeaderSize, maxHeaderCount, maxContentLength, maxChunkSize,
                maxChunkExtensionLength);
    }

    /** A copy with another header-section size limit. */
    public HttpDecoderConfig withMaxHeaderSize(int value) {
        return new HttpDecoderConfig(maxInitialLineLength, value, maxHeaderCount, maxContentLength, maxChunkSize,
                maxChunkExtensionLength);
    }

    /** A copy with another header-count limit. */
    public HttpDecoderConfig withMaxHeaderCount(int value) {
        return new HttpDecoderConfig(maxInitialLineLength, maxHeaderSize, value, maxContentLength, maxChunkSize,
                maxChunkExtensionLength);
    }

    /** A copy with another body-size limit. */
    public HttpDecoderConfig withMaxContentLength(long value) {
        return new HttpDecoderConfig(maxInitialLineLength, maxHeaderSize, maxHeaderCount, value, maxChunkSize,
                maxChunkExtensionLength);
    }

    /** A copy with another body-part size. */
    public HttpDecoderConfig withMaxChunkSize(int value) {
        return new HttpDecoderConfig(maxInitialLineLength, maxHeaderSize, maxHeaderCount, maxContentLength, value,
                maxChunkExtensionLength);
    }

    /** A copy with another bound on the chunk extensions of one body. */
    public HttpDecoderConfig withMaxChunkExtensionLength(int value) {
        return new HttpDecoderConfig(maxInitialLineLength, maxHeaderSize, maxHeaderCount, maxContentLength,
                maxChunkSize, value);
    }
}
