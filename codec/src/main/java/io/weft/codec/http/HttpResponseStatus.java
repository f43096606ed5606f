package io.weft.codec.http;

import java.nio.charset.StandardCharsets;

/**
 * A response status: a three-digit code and its reason phrase. Every code of the IANA HTTP status code registry
 * (RFC 9110 section 15 and the RFCs it lists) is a constant with its registered reason phrase;
 * {@link #valueOf(int)} returns it, and a generic phrase ("Client Error") only for unregistered codes.
 */
public final class HttpResponseStatus {

    private static final HttpResponseStatus[] BY_CODE = new HttpResponseStatus[600];

    /** 100 Continue. */
    public static final HttpResponseStatus CONTINUE = known(100, "Continue");
    /** 101 Switching Protocols. */
    public static final HttpResponseStatus SWITCHING_PROTOCOLS = known(101, "Switching Protocols");
    /** 102 Processing. */
    public static final HttpResponseStatus PROCESSING = known(102, "Processing");
    /** 103 Early Hints. */
    public static final HttpResponseStatus EARLY_HINTS = known(103, "Early Hints");
    /** 200 OK. */
    public static final HttpResponseStatus OK = known(200, "OK");
    /** 201 Created. */
    public static final HttpResponseStatus CREATED = known(201, "Created");
    /** 202 Accepted. */
    public static final HttpResponseStatus ACCEPTED = known(202, "Accepted");
    /** 203 Non-Authoritative Information. */
    public static final HttpResponseStatus NON_AUTHORITATIVE_INFORMATION = known(203, "Non-Authoritative Information");
    /** 204 No Content. */
    public static final HttpResponseStatus NO_CONTENT = known(204, "No Content");
    /** 205 Reset Content. */
    public static final HttpResponseStatus RESET_CONTENT = known(205, "Reset Content");
    /** 206 Partial Content. */
    public static final HttpResponseStatus PARTIAL_CONTENT = known(206, "Partial Content");
    /** 207 Multi-Status. */
    public static final HttpResponseStatus MULTI_STATUS = known(207, "Multi-Status");
    /** 208 Already Reported. */
    public static final HttpResponseStatus ALREADY_REPORTED = known(208, "Already Reported");
    /** 226 IM Used. */
    public static final HttpResponseStatus IM_USED = known(226, "IM Used");
    /** 300 Multiple Choices. */
    public static final HttpResponseStatus MULTIPLE_CHOICES = known(300, "Multiple Choices");
    /** 301 Moved Permanently. */
    public static final HttpResponseStatus MOVED_PERMANENTLY = known(301, "Moved Permanently");
    /** 302 Found. */
    public static final HttpResponseStatus FOUND = known(302, "Found");
    /** 303 See Other. */
    public static final HttpResponseStatus SEE_OTHER = known(303, "See Other");
    /** 304 Not Modified. */
    public static final HttpResponseStatus NOT_MODIFIED = known(304, "Not Modified");
    /** 305 Use Proxy. */
    public static final HttpResponseStatus USE_PROXY = known(305, "Use Proxy");
    /** 307 Temporary Redirect. */
    public static final HttpResponseStatus TEMPORARY_REDIRECT = known(307, "Temporary Redirect");
    /** 308 Permanent Redirect. */
    public static final HttpResponseStatus PERMANENT_REDIRECT = known(308, "Permanent Redirect");
    /** 400 Bad Request. */
    public static final HttpResponseStatus BAD_REQUEST = known(400, "Bad Request");
    /** 401 Unauthorized. */
    public static final HttpResponseStatus UNAUTHORIZED = known(401, "Unauthorized");
    /** 402 Payment Required. */
    public static final HttpResponseStatus PAYMENT_REQUIRED = known(402, "Payment Required");
    /** 403 Forbidden. */
    public static final HttpResponseStatus FORBIDDEN = known(403, "Forbidden");
    /** 404 Not Found. */
    public static final HttpResponseStatus NOT_FOUND = known(404, "Not Found");
    /** 405 Method Not Allowed. */
    public static final HttpResponseStatus METHOD_NOT_ALLOWED = known(405, "Method Not Allowed");
    /** 406 Not Acceptable. */
    public static final HttpResponseStatus NOT_ACCEPTABLE = known(406, "Not Acceptable");
    /** 407 Proxy Authentication Required. */
    public static final HttpResponseStatus PROXY_AUTHENTICATION_REQUIRED = known(407, "Proxy Authentication Required");
    /** 408 Request Timeout. */
    public static final HttpResponseStatus REQUEST_TIMEOUT = known(408, "Request Timeout");
    /** 409 Conflict. */
    public static final HttpResponseStatus CONFLICT = known(409, "Conflict");
    /** 410 Gone. */
    public static final HttpResponseStatus GONE = known(410, "Gone");
    /** 411 Length Required. */
    public static final HttpResponseStatus LENGTH_REQUIRED = known(411, "Length Required");
    /** 412 Precondition Failed. */
    public static final HttpResponseStatus PRECONDITION_FAILED = known(412, "Precondition Failed");
    /** 413 Content Too Large. */
    public static final HttpResponseStatus CONTENT_TOO_LARGE = known(413, "Content Too Large");
    /** 414 URI Too Long. */
    public static final HttpResponseStatus URI_TOO_LONG = known(414, "URI Too Long");
    /** 415 Unsupported Media Type. */
    public static final HttpResponseStatus UNSUPPORTED_MEDIA_TYPE = known(415, "Unsupported Media Type");
    /** 416 Range Not Satisfiable. */
    public static final HttpResponseStatus RANGE_NOT_SATISFIABLE = known(416, "Range Not Satisfiable");
    /** 417 Expectation Failed. */
    public static final HttpResponseStatus EXPECTATION_FAILED = known(417, "Expectation Failed");
    /** 421 Misdirected Request. */
    public static final HttpResponseStatus MISDIRECTED_REQUEST = known(421, "Misdirected Request");
    /** 422 Unprocessable Content. */
    public static final HttpResponseStatus UNPROCESSABLE_CONTENT = known(422, "Unprocessable Content");
    /** 423 Locked. */
    public static final HttpResponseStatus LOCKED = known(423, "Locked");
    /** 424 Failed Dependency. */
    public static final HttpResponseStatus FAILED_DEPENDENCY = known(424, "Failed Dependency");
    /** 425 Too Early. */
    public static final HttpResponseStatus TOO_EARLY = known(425, "Too Early");
    /** 426 Upgrade Required. */
    public static final HttpResponseStatus UPGRADE_REQUIRED = known(426, "Upgrade Required");
    /** 428 Precondition Required. */
    public static final HttpResponseStatus PRECONDITION_REQUIRED = known(428, "Precondition Required");
    /** 429 Too Many Requests. */
    public static final HttpResponseStatus TOO_MANY_REQUESTS = known(429, "Too Many Requests");
    /** 431 Request Header Fields Too Large. */
    public static final HttpResponseStatus REQUEST_HEADER_FIELDS_TOO_LARGE = known(431, "Request Header Fields Too Large");
    /** 451 Unavailable For Legal Reasons. */
    public static final HttpResponseStatus UNAVAILABLE_FOR_LEGAL_REASONS = known(451, "Unavailable For Legal Reasons");
    /** 500 Internal Server Error. */
    public static final HttpResponseStatus INTERNAL_SERVER_ERROR = known(500, "Internal Server Error");
    /** 501 Not Implemented. */
    public static final HttpResponseStatus NOT_IMPLEMENTED = known(501, "Not Implemented");
    /** 502 Bad Gateway. */
    public static final HttpResponseStatus BAD_GATEWAY = known(502, "Bad Gateway");
    /** 503 Service Unavailable. */
    public static final HttpResponseStatus SERVICE_UNAVAILABLE = known(503, "Service Unavailable");
    /** 504 Gateway Timeout. */
    public static final HttpResponseStatus GATEWAY_TIMEOUT = known(504, "Gateway Timeout");
    /** 505 HTTP Version Not Supported. */
    public static final HttpResponseStatus HTTP_VERSION_NOT_SUPPORTED = known(505, "HTTP Version Not Supported");
    /** 506 Variant Also Negotiates. */
    public static final HttpResponseStatus VARIANT_ALSO_NEGOTIATES = known(506, "Variant Also Negotiates");
    /** 507 Insufficient Storage. */
    public static final HttpResponseStatus INSUFFICIENT_STORAGE = known(507, "Insufficient Storage");
    /** 508 Loop Detected. */
    public static final HttpResponseStatus LOOP_DETECTED = known(508, "Loop Detected");
    /** 510 Not Extended. */
    public static final HttpResponseStatus NOT_EXTENDED = known(510, "Not Extended");
    /** 511 Network Authentication Required. */
    public static final HttpResponseStatus NETWORK_AUTHENTICATION_REQUIRED = known(511, "Network Authentication Required");

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
