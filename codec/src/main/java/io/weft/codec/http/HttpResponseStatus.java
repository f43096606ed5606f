package io.weft.codec.http;

import java.nio.charset.StandardCharsets;

/** A response status: a three-digit code and its reason phrase. Common statuses are constants. */
public final class HttpResponseStatus {

    private static final HttpResponseStatus[] BY_CODE = new HttpResponseStatus[600];

    /** 100 Continue. */
    public static final HttpResponseStatus CONTINUE = known(100, "Continue");
    /** 101 Switching Protocols. */
    public static final HttpResponseStatus SWITCHING_PROTOCOLS = known(101, "Switching Protocols");
    /** 200 OK. */
    public static final HttpResponseStatus OK = known(200, "OK");
    /** 201 Created. */
    public static final HttpResponseStatus CREATED = known(201, "Created");
    /** 202 Accepted. */
    public static final HttpResponseStatus ACCEPTED = known(202, "Accepted");
    /** 204 No Content. */
    public static final HttpResponseStatus NO_CONTENT = known(204, "No Content");
    /** 206 Partial Content. */
    public static final HttpResponseStatus PARTIAL_CONTENT = known(206, "Partial Content");
    /** 301 Moved Permanently. */
    public static final HttpResponseStatus MOVED_PERMANENTLY = known(301, "Moved Permanently");
    /** 302 Found. */
    public static final HttpResponseStatus FOUND = known(302, "Found");
    /** 304 Not Modified. */
    public static final HttpResponseStatus NOT_MODIFIED = known(304, "Not Modified");
    /** 400 Bad Request. */
    public static final HttpResponseStatus BAD_REQUEST = known(400, "Bad Request");
    /** 403 Forbidden. */
    public static final HttpResponseStatus FORBIDDEN = known(403, "Forbidden");
    /** 404 Not Found. */
    public static final HttpResponseStatus NOT_FOUND = known(404, "Not Found");
    /** 405 Method Not Allowed. */
    public static final HttpResponseStatus METHOD_NOT_ALLOWED = known(405, "Method Not Allowed");
    /** 408 Request Timeout. */
    public static final HttpResponseStatus REQUEST_TIMEOUT = known(408, "Request Timeout");
    /** 411 Length Required. */
    public static final HttpResponseStatus LENGTH_REQUIRED = known(411, "Length Required");
    /** 413 Content Too Large. */
    public static final HttpResponseStatus CONTENT_TOO_LARGE = known(413, "Content Too Large");
    /** 414 URI Too Long. */
    public static final HttpResponseStatus URI_TOO_LONG = known(414, "URI Too Long");
    /** 417 Expectation Failed. */
    public static final HttpResponseStatus EXPECTATION_FAILED = known(417, "Expectation Failed");
    /** 431 Request Header Fields Too Large. */
    public static final HttpResponseStatus REQUEST_HEADER_FIELDS_TOO_LARGE =
            known(431, "Request Header Fields Too Large");
    /** 500 Internal Server Error. */
    public static final HttpResponseStatus INTERNAL_SERVER_ERROR = known(500, "Internal Server Error");
    /** 501 Not Implemented. */
    public static final HttpResponseStatus NOT_IMPLEMENTED = known(501, "Not Implemented");
    /** 503 Service Unavailable. */
    public static final HttpResponseStatus SERVICE_UNAVAILABLE = known(503, "Service Unavailable");
    /** 505 HTTP Version Not Supported. */
    public static final HttpResponseStatus HTTP_VERSION_NOT_SUPPORTED = known(505, "HTTP Version Not Supported");

    private final int code;
    private final String reasonPhrase;
    /** {@code "HTTP/1.1 <code> <reason>\r\n"}, ready to copy into an encoded response. */
    private final byte[] statusLine;

    private HttpResponseStatus(int code, String reasonPhrase) {
        if (code < 100 || code > 999) {
            throw new IllegalArgumentException("status code " + code + " is not a three-digit number");
        }
        for (int i = 0; i < reasonPhrase.length(); i++) {
            char c = reasonPhrase.charAt(i);
            if (c == '\r' || c == '\n' || c > 0xFF) {
                throw new IllegalArgumentException("reason phrase contains an invalid character: " + (int) c);
            }
        }
        this.code = code;
        this.reasonPhrase = reasonPhrase;
        this.statusLine = ("HTTP/1.1 " + code + " " + reasonPhrase + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    private static HttpResponseStatus known(int code, String reason) {
        HttpResponseStatus status = new HttpResponseStatus(code, reason);
        BY_CODE[code] = status;
        return status;
    }

    /** The constant for {@code code}, or a new status with a generic reason phrase. */
    public static HttpResponseStatus valueOf(int code) {
        if (code >= 0 && code < BY_CODE.length && BY_CODE[code] != null) {
            return BY_CODE[code];
        }
        return new HttpResponseStatus(code, genericReason(code));
    }

    /** A status with a custom reason phrase (no CR or LF). */
    public static HttpResponseStatus valueOf(int code, String reasonPhrase) {
        HttpResponseStatus known = code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        if (known != null && known.reasonPhrase.equals(reasonPhrase)) {
            return known;
        }
        return new HttpResponseStatus(code, reasonPhrase);
    }

    private static String genericReason(int code) {
        switch (code / 100) {
            case 1: return "Informational";
            case 2: return "Success";
            case 3: return "Redirection";
            case 4: return "Client Error";
            case 5: return "Server Error";
            default: return "Unknown Status";
        }
    }

    /** The three-digit code. */
    public int code() {
        return code;
    }

    /** The reason phrase, e.g. {@code OK}. */
    public String reasonPhrase() {
        return reasonPhrase;
    }

    /** Whether this is a 1xx interim response. */
    public boolean isInformational() {
        return code < 200;
    }

    byte[] statusLine() {
        return statusLine;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HttpResponseStatus other && other.code == code;
    }

    @Override
    public int hashCode() {
        return code;
    }

    @Override
    public String toString() {
        return code + " " + reasonPhrase;
    }
}
