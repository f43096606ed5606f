package io.weft.codec.http;

/**
 * Names of header fields, in the lower case Weft writes them in (lookups ignore case): the fields of RFC 9110
 * (semantics), RFC 9111 (caching) and RFC 9112 (HTTP/1.1), plus cookies, CORS, WebSocket and the common
 * de-facto ones. The decoder hands out these very instances for the fields it receives most often, so comparing
 * with them is cheap.
 */
public final class HttpHeaderNames {
    /** {@code accept}. */
    public static final String ACCEPT = "accept";
    /** {@code accept-charset}. */
    public static final String ACCEPT_CHARSET = "accept-charset";
    /** {@code accept-encoding}. */
    public static final String ACCEPT_ENCODING = "accept-encoding";
    /** {@code accept-language}. */
    public static final String ACCEPT_LANGUAGE = "accept-language";
    /** {@code accept-ranges}. */
    public static final String ACCEPT_RANGES = "accept-ranges";
    /** {@code access-control-allow-credentials}. */
    public static final String ACCESS_CONTROL_ALLOW_CREDENTIALS = "access-control-allow-credentials";
    /** {@code access-control-allow-headers}. */
    public static final String ACCESS_CONTROL_ALLOW_HEADERS = "access-control-allow-headers";
    /** {@code access-control-allow-methods}. */
    public static final String ACCESS_CONTROL_ALLOW_METHODS = "access-control-allow-methods";
    /** {@code access-control-allow-origin}. */
    public static final String ACCESS_CONTROL_ALLOW_ORIGIN = "access-control-allow-origin";
    /** {@code access-control-expose-headers}. */
    public static final String ACCESS_CONTROL_EXPOSE_HEADERS = "access-control-expose-headers";
    /** {@code access-control-max-age}. */
    public static final String ACCESS_CONTROL_MAX_AGE = "access-control-max-age";
    /** {@code access-control-request-headers}. */
    public static final String ACCESS_CONTROL_REQUEST_HEADERS = "access-control-request-headers";
    /** {@code access-control-request-method}. */
    public static final String ACCESS_CONTROL_REQUEST_METHOD = "access-control-request-method";
    /** {@code age}. */
    public static final String AGE = "age";
    /** {@code allow}. */
    public static final String ALLOW = "allow";
    /** {@code alt-svc}. */
    public static final String ALT_SVC = "alt-svc";
    /** {@code authentication-info}. */
    public static final String AUTHENTICATION_INFO = "authentication-info";
    /** {@code authorization}. */
    public static final String AUTHORIZATION = "authorization";
    /** {@code cache-control}. */
    public static final String CACHE_CONTROL = "cache-control";
    /** {@code connection}. */
    public static final String CONNECTION = "connection";
    /** {@code content-disposition}. */
    public static final String CONTENT_DISPOSITION = "content-disposition";
    /** {@code content-encoding}. */
    public static final String CONTENT_ENCODING = "content-encoding";
    /** {@code content-language}. */
    public static final String CONTENT_LANGUAGE = "content-language";
    /** {@code content-length}. */
    public static final String CONTENT_LENGTH = "content-length";
    /** {@code content-location}. */
    public static final String CONTENT_LOCATION = "content-location";
    /** {@code content-range}. */
    public static final String CONTENT_RANGE = "content-range";
    /** {@code content-security-policy}. */
    public static final String CONTENT_SECURITY_POLICY = "content-security-policy";
    /** {@code content-type}. */
    public static final String CONTENT_TYPE = "content-type";
    /** {@code cookie}. */
    public static final String COOKIE = "cookie";
    /** {@code date}. */
    public static final String DATE = "date";
    /** {@code etag}. */
    public static final String ETAG = "etag";
    /** {@code expect}. */
    public static final String EXPECT = "expect";
    /** {@code expires}. */
    public static final String EXPIRES = "expires";
    /** {@code forwarded}. */
    public static final String FORWARDED = "forwarded";
    /** {@code from}. */
    public static final String FROM = "from";
    /** {@code host}. */
    public static final String HOST = "host";
    /** {@code if-match}. */
    public static final String IF_MATCH = "if-match";
    /** {@code if-modified-since}. */
    public static final String IF_MODIFIED_SINCE = "if-modified-since";
    /** {@code if-none-match}. */
    public static final String IF_NONE_MATCH = "if-none-match";
    /** {@code if-range}. */
    public static final String IF_RANGE = "if-range";
    /** {@code if-unmodified-since}. */
    public static final String IF_UNMODIFIED_SINCE = "if-unmodified-since";
    /** {@code keep-alive}. */
    public static final String KEEP_ALIVE = "keep-alive";
    /** {@code last-modified}. */
    public static final String LAST_MODIFIED = "last-modified";
    /** {@code link}. */
    public static final String LINK = "link";
    /** {@code location}. */
    public static final String LOCATION = "location";
    /** {@code max-forwards}. */
    public static final String MAX_FORWARDS = "max-forwards";
    /** {@code origin}. */
    public static final String ORIGIN = "origin";
    /** {@code pragma}. */
    public static final String PRAGMA = "pragma";
    /** {@code proxy-authenticate}. */
    public static final String PROXY_AUTHENTICATE = "proxy-authenticate";
    /** {@code proxy-authentication-info}. */
    public static final String PROXY_AUTHENTICATION_INFO = "proxy-authentication-info";
    /** {@code proxy-authorization}. */
    public static final String PROXY_AUTHORIZATION = "proxy-authorization";
    /** {@code range}. */
    public static final String RANGE = "range";
    /** {@code referer}. */
    public static final String REFERER = "referer";
    /** {@code retry-after}. */
    public static final String RETRY_AFTER = "retry-after";
    /** {@code sec-websocket-accept}. */
    public static final String SEC_WEBSOCKET_ACCEPT = "sec-websocket-accept";
    /** {@code sec-websocket-key}. */
    public static final String SEC_WEBSOCKET_KEY = "sec-websocket-key";
    /** {@code sec-websocket-protocol}. */
    public static final String SEC_WEBSOCKET_PROTOCOL = "sec-websocket-protocol";
    /** {@code sec-websocket-version}. */
    public static final String SEC_WEBSOCKET_VERSION = "sec-websocket-version";
    /** {@code server}. */
    public static final String SERVER = "server";
    /** {@code set-cookie}. */
    public static final String SET_COOKIE = "set-cookie";
    /** {@code strict-transport-security}. */
    public static final String STRICT_TRANSPORT_SECURITY = "strict-transport-security";
    /** {@code te}. */
    public static final String TE = "te";
    /** {@code trailer}. */
    public static final String TRAILER = "trailer";
    /** {@code transfer-encoding}. */
    public static final String TRANSFER_ENCODING = "transfer-encoding";
    /** {@code upgrade}. */
    public static final String UPGRADE = "upgrade";
    /** {@code user-agent}. */
    public static final String USER_AGENT = "user-agent";
    /** {@code vary}. */
    public static final String VARY = "vary";
    /** {@code via}. */
    public static final String VIA = "via";
    /** {@code www-authenticate}. */
    public static final String WWW_AUTHENTICATE = "www-authenticate";
    /** {@code x-content-type-options}. */
    public static final String X_CONTENT_TYPE_OPTIONS = "x-content-type-options";
    /** {@code x-forwarded-for}. */
    public static final String X_FORWARDED_FOR = "x-forwarded-for";
    /** {@code x-forwarded-host}. */
    public static final String X_FORWARDED_HOST = "x-forwarded-host";
    /** {@code x-forwarded-proto}. */
    public static final String X_FORWARDED_PROTO = "x-forwarded-proto";

    private HttpHeaderNames() {
    }
}
