package io.weft.codec.http;

import java.nio.charset.StandardCharsets;

/**
 * Server side: decodes bytes into an {@link HttpRequest}, then its body as {@link HttpContent}s and one
 * {@link LastHttpContent} (RFC 9112). Pipelined requests are decoded one after the other.
 *
 * <p>Strict where the RFC asks for it: a request line or header section over the limits, a header line without
 * a colon or with whitespace before it, obsolete line folding, a bare CR, an invalid chunk size, a missing or
 * repeated {@code host} in HTTP/1.1, and any ambiguous framing ({@code content-length} with
 * {@code transfer-encoding}, differing lengths, a final coding other than chunked) fail with a typed
 * {@link HttpDecoderException} carrying the status to answer with. Used alone, a failure closes the connection;
 * {@link HttpServerCodec} answers it with that status first.
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

    @Override
    HttpMessage parseInitialLine(byte[] b, int off, int length, HttpHeaders headers) {
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
        for (int i = sp1 + 1; i < sp2; i++) {
            byte c = b[i];
            if (c <= 0x20 || c == 0x7F) {
                throw new MalformedHttpException("invalid character " + (c & 0xFF) + " in the request target");
            }
        }
        String target = new String(b, sp1 + 1, sp2 - sp1 - 1, StandardCharsets.ISO_8859_1);
        return new HttpRequest(version, method, target, headers);
    }

    static int indexOf(byte[] b, int from, int to, byte value) {
        for (int i = from; i < to; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
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
        if (msg.version() == HttpVersion.HTTP_1_1 && hosts != 1) {
            throw new MalformedHttpException("an HTTP/1.1 request needs exactly one host field, found " + hosts);
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
