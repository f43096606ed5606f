package io.weft.codec.http;

import java.nio.charset.StandardCharsets;

/**
 * Server side: decodes bytes into an {@link HttpRequest}, then its body as {@link HttpContent}s and one
 * {@link LastHttpContent} (RFC 9112). Pipelined requests are decoded one after the other.
 *
 * <p>Strict where the RFC asks for it: a request line or header section over the limits, a header line without
 * a colon or with whitespace before it, obsolete line folding, a bare CR, an invalid chunk size, a missing or
 * repeated {@code host} in HTTP/1.1, and any ambiguous framing ({@code content-length} with
 * {@code transfer-encoding}, differing lengths, a final coding other than chunked), an invalid {@code host} or
 * request target (RFC 9112 section 3.2: a fragment, {@code *} with another method than OPTIONS, an
 * authority-form target without CONNECT) fail with a typed
 * {@link HttpDecoderException} carrying the status to answer with. Used alone, a failure closes the connection;
 * {@link HttpServerCodec} answers it with that status first.
 *
 * <p>An absolute-form target ({@code GET http://example.com/a?b}) is served like an origin-form one:
 * {@link HttpRequest#target()} is its path and query ({@code /a?b}) and its authority replaces the {@code host}
 * field (RFC 9112 section 3.2.2).
 *
 * <p>Runs on the channel's loop; one instance per connection.
 */
public class HttpRequestDecoder extends HttpObjectDecoder {

    /** A decoder with {@link HttpDecoderConfig#DEFAULT} limits. */
    public HttpRequestDecoder() {
        this(HttpDecoderConfig.DEFAULT);
    }

    /** A decoder with the given limits. */
    public HttpRequestDecoder(HttpDecoderConfig config) {
        super(config);
    }

    @Override
    String initialLineName() {
        return "request line";
    }

    /*
     * The last request line of this connection, kept when it is at most LINE_MAX bytes and not absolute-form (whose
     * authority replaces the host field), with what it parsed into: pipelined and keep-alive clients often repeat
     * it, and a line equal byte for byte passed every check before.
     */
    private static final int LINE_MAX = 256;
    private byte[] lastLine;
    private int lastLineLength = -1;
    private HttpMethod lastMethod;
    private HttpVersion lastVersion;
    private String lastTarget;
    private int lastPathEnd;

    /** Whether the request line parsed last is the one kept in {@link #lastLine}. */
    private boolean lineKept;

    @Override
    HttpMessage parseInitialLine(byte[] b, int off, int length, HttpHeaders headers) {
        if (length == lastLineLength && java.util.Arrays.equals(b, off, off + length, lastLine, 0, length)) {
            targetAuthority = null;
            lineKept = true;
            return repeatInitialLine(headers);
        }
        lineKept = false;
        HttpRequest request = parseRequestLine(b, off, length, headers);
        if (targetAuthority == null && length <= LINE_MAX) {
            lineKept = true;
            lastLine = keep(lastLine, b, off, length);
            lastLineLength = length;
            lastMethod = request.method();
            lastVersion = request.version();
            lastTarget = request.target();
            lastPathEnd = targetPathEnd;
        }
        return request;
    }

    @Override
    boolean initialLineKept() {
        return lineKept;
    }

    @Override
    HttpMessage repeatInitialLine(HttpHeaders headers) {
        return lineKept ? new HttpRequest(lastVersion, lastMethod, headers, lastTarget, lastPathEnd) : null;
    }

    private HttpRequest parseRequestLine(byte[] b, int off, int length, HttpHeaders headers) {
        int end = off + length;
        int sp1 = indexOf(b, off, end, (byte) ' ');
        int sp2 = sp1 < 0 ? -1 : indexOf(b, sp1 + 1, end, (byte) ' ');
        if (sp1 <= off || sp2 < 0 || indexOf(b, sp2 + 1, end, (byte) ' ') >= 0) {
            throw new MalformedHttpException("malformed request line \""
                    + printable(java.util.Arrays.copyOfRange(b, off, end), length) + "\"");
        }
        HttpVersion version = parseVersion(b, sp2 + 1, end - sp2 - 1);
        for (int i = off; i < sp1; i++) {
            if (!isTokenChar(b[i])) {
                throw new MalformedHttpException("invalid character " + (b[i] & 0xFF) + " in the request method");
            }
        }
        HttpMethod method = HttpMethod.lookup(b, off, sp1 - off);
        if (method == null) {
            throw new UnsupportedHttpMethodException("method \"" + new String(b, off, Math.min(sp1 - off, 64),
                    StandardCharsets.US_ASCII) + "\" is not implemented");
        }
        if (sp2 == sp1 + 1) {
            throw new MalformedHttpException("empty request target");
        }
        String target = parseTarget(method, b, sp1 + 1, sp2);
        return new HttpRequest(version, method, headers, target, targetPathEnd);
    }

    /** The authority of an absolute-form target of the request being decoded (it replaces the host field). */
    private String targetAuthority;
    /** Where the path of an origin-form target ends (at its query, or its length), -1 for the other forms. */
    private int targetPathEnd;

    /**
     * Checks the request target against the four forms of RFC 9112 section 3.2 and returns what the application
     * sees: origin-form as sent; absolute-form reduced to its path and query (its authority becomes the
     * {@code host}, section 3.2.2); authority-form for CONNECT only; {@code *} for OPTIONS only. A fragment, a
     * malformed percent-encoding or a control character is a 400.
     */
    private String parseTarget(HttpMethod method, byte[] b, int from, int to) {
        targetAuthority = null;
        targetPathEnd = -1;
        int special = AsciiTables.indexOfInvisibleOr(b, from, to, (byte) '#', (byte) '%');
        for (int i = special; i >= 0; i = AsciiTables.indexOfInvisibleOr(b, i + 1, to, (byte) '#', (byte) '%')) {
            byte c = b[i];
            if (c == '#') {
                throw new MalformedHttpException("request target with a fragment ('#')");
            }
            if (c != '%') {
                throw new MalformedHttpException("invalid character " + (c & 0xFF) + " in the request target");
            }
        }
        boolean percent = special >= 0; // only '%' can be left: the rest threw
        byte first = b[from];
        if (method == HttpMethod.CONNECT) {
            // authority-form: uri-host ":" port (RFC 9110 section 9.3.6).
            int colon = HostValidator.check(b, from, to, true);
            if (colon < 0) {
                throw new MalformedHttpException("CONNECT needs an authority-form target (host:port), got \""
                        + text(b, from, to) + "\"");
            }
            return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
        }
        if (first == '/') {
            if (percent) {
                checkPercentEncoding(b, from, to);
            }
            int query = indexOf(b, from, to, (byte) '?');
            targetPathEnd = query < 0 ? to - from : query - from;
            return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
        }
        if (to - from == 1 && first == '*') {
            if (method != HttpMethod.OPTIONS) {
                throw new MalformedHttpException("asterisk-form target with " + method + " (only OPTIONS may use it)");
            }
            return "*";
        }
        // absolute-form: scheme "://" authority path-abempty [ "?" query ]; only http and https are served.
        int colon = indexOf(b, from, to, (byte) ':');
        if (colon < 0 || to - colon < 3 || b[colon + 1] != '/' || b[colon + 2] != '/') {
            throw new MalformedHttpException("invalid request target \"" + text(b, from, to) + "\"");
        }
        String scheme = new String(b, from, colon - from, StandardCharsets.ISO_8859_1);
        if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
            throw new MalformedHttpException("absolute-form target with the scheme \"" + text(b, from, colon)
                    + "\" (only http and https)");
        }
        int authorityStart = colon + 3;
        int authorityEnd = authorityStart;
        while (authorityEnd < to && b[authorityEnd] != '/' && b[authorityEnd] != '?') {
            authorityEnd++;
        }
        if (indexOf(b, authorityStart, authorityEnd, (byte) '@') >= 0) {
            throw new MalformedHttpException("absolute-form target with userinfo (RFC 9110 section 4.2.4)");
        }
        HostValidator.check(b, authorityStart, authorityEnd, false);
        checkPercentEncoding(b, authorityEnd, to);
        targetAuthority = new String(b, authorityStart, authorityEnd - authorityStart, StandardCharsets.ISO_8859_1);
        if (authorityEnd == to) {
            // An empty path is "/" in origin-form, and "*" for OPTIONS (RFC 9112 section 3.2.4).
            return method == HttpMethod.OPTIONS ? "*" : "/";
        }
        String rest = new String(b, authorityEnd, to - authorityEnd, StandardCharsets.ISO_8859_1);
        return b[authorityEnd] == '?' ? "/" + rest : rest;
    }

    private static void checkPercentEncoding(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == '%' && (i + 2 >= to || !isHex(b[i + 1]) || !isHex(b[i + 2]))) {
                throw new MalformedHttpException("invalid percent-encoding at position " + (i - from)
                        + " of the request target");
            }
        }
    }

    private static boolean isHex(byte c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static String text(byte[] b, int from, int to) {
        return printable(java.util.Arrays.copyOfRange(b, from, to), to - from);
    }

    @Override
    void checkHost(byte[] b, int from, int to) {
        HostValidator.check(b, from, to, false);
    }

    static int indexOf(byte[] b, int from, int to, byte value) {
        return AsciiTables.indexOf(b, from, to, value);
    }

    @Override
    long bodyLength(HttpMessage msg) {
        HttpHeaders h = msg.headers();
        // One pass; decoded names of these fields are the HttpHeaderNames constants, so identity suffices.
        int hosts = 0;
        boolean hasTe = false;
        boolean hasCl = false;
        for (int i = 0, n = h.size(); i < n; i++) {
            String name = h.nameAt(i);
            if (name == HttpHeaderNames.HOST) {
                hosts++;
            } else if (name == HttpHeaderNames.TRANSFER_ENCODING) {
                hasTe = true;
            } else if (name == HttpHeaderNames.CONTENT_LENGTH) {
                hasCl = true;
            }
        }
        // RFC 9112 section 3.2: 400 for an HTTP/1.1 request without host, for more than one host field line and
        // for an invalid host value (RFC 3986 authority without userinfo; never empty: http URIs have a host; checked
        // by checkHost as the field is parsed).
        if (hosts > 1) {
            throw new MalformedHttpException("request with " + hosts + " host fields");
        }
        if (hosts == 0 && msg.version() == HttpVersion.HTTP_1_1) {
            throw new MalformedHttpException("an HTTP/1.1 request without a host field");
        }
        String authority = targetAuthority;
        if (authority != null) {
            // Section 3.2.2: the authority of an absolute-form target replaces the host field.
            targetAuthority = null;
            h.set(HttpHeaderNames.HOST, authority);
        }
        if (hasTe) {
            if (hasCl) {
                throw new HttpRequestSmugglingException(
                        "request has both content-length and transfer-encoding (possible request smuggling)");
            }
            if (msg.version() == HttpVersion.HTTP_1_0) {
                throw new HttpRequestSmugglingException("transfer-encoding in an HTTP/1.0 request");
            }
            if (!chunkedIsFinal(h, true)) {
                throw new HttpRequestSmugglingException("final transfer coding of a request is not chunked");
            }
            return CHUNKED;
        }
        if (hasCl) {
            return parseContentLength(h);
        }
        return 0;
    }
}
