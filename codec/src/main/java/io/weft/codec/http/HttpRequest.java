package io.weft.codec.http;

import java.util.Objects;

/**
 * The head of a request: method, request target and version, and headers. The decoder follows it with
 * {@link HttpContent}s and always one {@link LastHttpContent} (also when there is no body).
 */
public class HttpRequest extends HttpMessage {

    private HttpMethod method;
    private String target;
    /** Where the path of {@link #target} ends (its length when there is no query), or -1 when not yet known. */
    private int pathEnd = -1;

    /** A request with empty headers. */
    public HttpRequest(HttpVersion version, HttpMethod method, String target) {
        this(version, method, target, new HttpHeaders());
    }

    /** A request with the given headers. */
    public HttpRequest(HttpVersion version, HttpMethod method, String target, HttpHeaders headers) {
        super(version, headers);
        this.method = Objects.requireNonNull(method, "method");
        this.target = validateTarget(target);
    }

    /** A decoded request: the decoder has already checked {@code target} more strictly than the constructor would. */
    HttpRequest(HttpVersion version, HttpMethod method, HttpHeaders headers, String checkedTarget, int pathEnd) {
        super(version, headers);
        this.method = method;
        this.target = checkedTarget;
        this.pathEnd = pathEnd;
    }

    private static String validateTarget(String target) {
        Objects.requireNonNull(target, "target");
        if (target.isEmpty()) {
            throw new IllegalArgumentException("request target must not be empty");
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= ' ' || c >= 0x7F) {
                throw new IllegalArgumentException("request target contains the invalid character " + (int) c);
            }
        }
        return target;
    }

    /** The method. */
    public HttpMethod method() {
        return method;
    }

    /** Changes the method. */
    public HttpRequest method(HttpMethod method) {
        this.method = Objects.requireNonNull(method, "method");
        return this;
    }

    /** The request target as sent, e.g. {@code /path?query} (origin form) or an absolute URI. */
    public String target() {
        return target;
    }

    /** Changes the request target. */
    public HttpRequest target(String target) {
        this.target = validateTarget(target);
        this.pathEnd = -1;
        return this;
    }

    /** The path of the target: up to the first {@code ?} or {@code #}. */
    public String path() {
        String t = target;
        int end = pathEnd;
        if (end < 0) {
            end = t.length();
            for (int i = 0; i < end; i++) {
                char c = t.charAt(i);
                if (c == '?' || c == '#') {
                    end = i;
                    break;
                }
            }
            pathEnd = end;
        }
        return end == t.length() ? t : t.substring(0, end);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + method + " " + target + " " + version() + ", " + headers() + ")";
    }
}
