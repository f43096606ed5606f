package io.weft.codec.http;

/** Common header values. Comparisons ignore case. */
public final class HttpHeaderValues {
    /** {@code 100-continue}, for {@code expect}. */
    public static final String CONTINUE = "100-continue";
    /** {@code chunked}, for {@code transfer-encoding}. */
    public static final String CHUNKED = "chunked";
    /** {@code close}, for {@code connection}. */
    public static final String CLOSE = "close";
    /** {@code gzip}. */
    public static final String GZIP = "gzip";
    /** {@code keep-alive}, for {@code connection}. */
    public static final String KEEP_ALIVE = "keep-alive";

    private HttpHeaderValues() {
    }
}
