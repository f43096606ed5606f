package io.weft.codec.http;

import java.nio.charset.StandardCharsets;

/**
 * A request method. The standard methods of RFC 9110 (and PATCH) are constants; the request decoder answers any
 * other method with {@code 501 Not Implemented}. Compare with {@code ==} or {@link #equals}.
 */
public final class HttpMethod {

    /** GET. */
    public static final HttpMethod GET = new HttpMethod("GET");
    /** HEAD: like GET, but the response carries no body. */
    public static final HttpMethod HEAD = new HttpMethod("HEAD");
    /** POST. */
    public static final HttpMethod POST = new HttpMethod("POST");
    /** PUT. */
    public static final HttpMethod PUT = new HttpMethod("PUT");
    /** DELETE. */
    public static final HttpMethod DELETE = new HttpMethod("DELETE");
    /** PATCH (RFC 5789). */
    public static final HttpMethod PATCH = new HttpMethod("PATCH");
    /** OPTIONS. */
    public static final HttpMethod OPTIONS = new HttpMethod("OPTIONS");
    /** TRACE. */
    public static final HttpMethod TRACE = new HttpMethod("TRACE");
    /** CONNECT. */
    public static final HttpMethod CONNECT = new HttpMethod("CONNECT");

    private static final HttpMethod[] KNOWN = {GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, TRACE, CONNECT};

    private final String name;
    private final byte[] bytes;

    private HttpMethod(String name) {
        this.name = name;
        this.bytes = name.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The standard method called {@code name} (case-sensitive, as RFC 9110 requires).
     *
     * @throws IllegalArgumentException if it is not one of the constants
     */
    public static HttpMethod of(String name) {
        for (HttpMethod m : KNOWN) {
            if (m.name.equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unsupported HTTP method: " + name);
    }

    /** The constant whose name is {@code bytes[offset..offset+length)}, or {@code null}. */
    static HttpMethod lookup(byte[] bytes, int offset, int length) {
        outer:
        for (HttpMethod m : KNOWN) {
            byte[] b = m.bytes;
            if (b.length != length) {
                continue;
            }
            for (int i = 0; i < length; i++) {
                if (b[i] != bytes[offset + i]) {
                    continue outer;
                }
            }
            return m;
        }
        return null;
    }

    /** The method's name, e.g. {@code GET}. */
    public String name() {
        return name;
    }

    byte[] bytes() {
        return bytes;
    }

    @Override
    public String toString() {
        return name;
    }
}
