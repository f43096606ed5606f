package io.weft.codec.http;

/** Names of common header fields, in the lower case Weft writes them in. Lookups ignore case. */
public final class HttpHeaderNames {
    /** {@code accept-encoding}. */
    public static final String ACCEPT_ENCODING = "accept-encoding";
    /** {@code connection}. */
    public static final String CONNECTION = "connection";
    /** {@code content-encoding}. */
    public static final String CONTENT_ENCODING = "content-encoding";
    /** {@code content-length}. */
    public static final String CONTENT_LENGTH = "content-length";
    /** {@code content-type}. */
    public static final String CONTENT_TYPE = "content-type";
    /** {@code date}. */
    public static final String DATE = "date";
    /** {@code expect}. */
    public static final String EXPECT = "expect";
    /** {@code host}. */
    public static final String HOST = "host";
    /** {@code server}. */
    public static final String SERVER = "server";
    /** {@code transfer-encoding}. */
    public static final String TRANSFER_ENCODING = "transfer-encoding";
    /** {@code user-agent}. */
    public static final String USER_AGENT = "user-agent";
    /** {@code vary}. */
    public static final String VARY = "vary";

    private HttpHeaderNames() {
    }
}
