package io.weft.codec.http;

import java.nio.charset.StandardCharsets;

/**
 * Client side: decodes bytes into an {@link HttpResponse}, then its body as {@link HttpContent}s and one
 * {@link LastHttpContent}. Bodies framed by {@code content-length}, by chunks, or by the connection closing are
 * all understood; 1xx, 204 and 304 responses have none. Used alone it cannot know which responses answer a
 * {@code HEAD} request; {@link HttpClientCodec} does.
 *
 * <p>A failure fires a typed {@link HttpDecoderException} and closes the connection. Runs on the channel's loop;
 * one instance per connection.
 */
public class HttpResponseDecoder extends HttpObjectDecoder {

    /** A decoder with {@link HttpDecoderConfig#DEFAULT} limits. */
    public HttpResponseDecoder() {
        this(HttpDecoderConfig.DEFAULT);
    }

    /** A decoder with the given limits. */
    public HttpResponseDecoder(HttpDecoderConfig config) {
        super(config);
    }

    @Override
    String initialLineName() {
        return "status line";
    }

    /** Whether the response now being decoded answers a HEAD request; the codec overrides it. */
    boolean isHeadResponse() {
        return false;
    }

    @Override
    HttpMessage parseInitialLine(byte[] line, int off, int length, HttpHeaders headers) {
        byte[] b = off == 0 ? line : java.util.Arrays.copyOfRange(line, off, off + length);
        int sp1 = HttpRequestDecoder.indexOf(b, 0, length, (byte) ' ');
        if (sp1 < 0 || length < sp1 + 4) {
            throw new MalformedHttpException("malformed status line \"" + printable(b, length) + "\"");
        }
        HttpVersion version = parseVersion(b, 0, sp1);
        if (!isDigit(b[sp1 + 1]) || !isDigit(b[sp1 + 2]) || !isDigit(b[sp1 + 3])
                || (length > sp1 + 4 && b[sp1 + 4] != ' ')) {
            throw new MalformedHttpException("malformed status code in \"" + printable(b, length) + "\"");
        }
        int code = (b[sp1 + 1] - '0') * 100 + (b[sp1 + 2] - '0') * 10 + (b[sp1 + 3] - '0');
        if (code < 100) {
            throw new MalformedHttpException("status code " + code + " is below 100");
        }
        String reason = length > sp1 + 5 ? new String(b, sp1 + 5, length - sp1 - 5, StandardCharsets.ISO_8859_1) : "";
        HttpResponseStatus status = HttpResponseStatus.valueOf(code);
        if (!status.reasonPhrase().equals(reason)) {
            status = HttpResponseStatus.valueOf(code, reason);
        }
        return new HttpResponse(version, status, headers);
    }

    @Override
    long bodyLength(HttpMessage msg) {
        HttpResponse response = (HttpResponse) msg;
        int code = response.status().code();
        boolean head = code >= 200 && isHeadResponse();
        if (code < 200 || code == 204 || code == 304 || head) {
            return 0;
        }
        HttpHeaders h = msg.headers();
        if (h.contains(HttpHeaderNames.TRANSFER_ENCODING) && msg.version() == HttpVersion.HTTP_1_1) {
            // RFC 9112 section 6.3: transfer-encoding overrides content-length.
            return chunkedIsFinal(h, false) ? CHUNKED : UNTIL_CLOSE;
        }
        if (h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            return parseContentLength(h);
        }
        return UNTIL_CLOSE;
    }
}
