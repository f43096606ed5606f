package io.weft.codec.http;

import io.weft.buffer.Buffer;
import io.weft.buffer.BufferAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;

/**
 * Ready-made responses that get the fields RFC 9110 requires right: the error responses {@link HttpServerCodec}
 * sends itself, and {@code 405 Method Not Allowed} with its mandatory {@code allow} field.
 */
public final class HttpResponses {

    private HttpResponses() {
    }

    /**
     * A small plain-text response for {@code status} ({@code "404 Not Found\n"}) with {@code content-type},
     * {@code content-length} and {@code date}. The buffer comes from {@code alloc}; the response owns it.
     */
    public static FullHttpResponse text(BufferAllocator alloc, HttpResponseStatus status) {
        Buffer body = alloc.copyOf(status.code() + " " + status.reasonPhrase() + "\n", StandardCharsets.US_ASCII);
        FullHttpResponse response = new FullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        HttpHeaders h = response.headers();
        h.addUnchecked(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=us-ascii");
        h.addUnchecked(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.readableBytes()));
        h.addUnchecked(HttpHeaderNames.DATE, HttpDate.now());
        return response;
    }

    /**
     * The error response the server codec sends for a request it rejects: {@link #text} plus
     * {@code connection: close}, since the connection closes after it.
     */
    public static FullHttpResponse errorAndClose(BufferAllocator alloc, HttpResponseStatus status) {
        FullHttpResponse response = text(alloc, status);
        response.headers().addUnchecked(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }

    /**
     * {@code 405 Method Not Allowed} with the {@code allow} field listing {@code allowed} (RFC 9110 section
     * 15.5.6: a 405 must carry it).
     */
    public static FullHttpResponse methodNotAllowed(BufferAllocator alloc, HttpMethod... allowed) {
        return methodNotAllowed(alloc, List.of(allowed));
    }

    /** {@code 405 Method Not Allowed} with the {@code allow} field listing {@code allowed}. */
    public static FullHttpResponse methodNotAllowed(BufferAllocator alloc, Collection<HttpMethod> allowed) {
        FullHttpResponse response = text(alloc, HttpResponseStatus.METHOD_NOT_ALLOWED);
        response.headers().addUnchecked(HttpHeaderNames.ALLOW, allowValue(allowed));
        return response;
    }

    /** The value of an {@code allow} field: the method names separated by {@code ", "} (may be empty). */
    public static String allowValue(Collection<HttpMethod> allowed) {
        StringBuilder sb = new StringBuilder();
        for (HttpMethod m : allowed) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(m.name());
        }
        return sb.toString();
    }
}
