package io.weft.codec.http;

/**
 * Checks a {@code host} field value or a target's authority against RFC 3986 section 3.2 without userinfo:
 * <pre>
 * uri-host [ ":" port ]
 * uri-host = IP-literal / IPv4address / reg-name        (never empty: http URIs have a host)
 * reg-name = *( unreserved / pct-encoded / sub-delims )
 * IP-literal = "[" ( IPv6address / IPvFuture ) "]"
 * port = *DIGIT                                          (at most 65535 here)
 * </pre>
 */
final class HostValidator {

    private static final boolean[] REG_NAME = AsciiTables.alphanumericAnd("-._~!$&'()*+,;=");

    private HostValidator() {
    }

    /**
     * Throws a {@link MalformedHttpException} if {@code b[from, to)} is not a valid authority.
     *
     * @param portRequired whether a non-empty port must follow (CONNECT's authority-form)
     * @return the index of the colon before the port, or -1 if there is none
     */
    static int check(byte[] b, int from, int to, boolean portRequired) {
        if (from == to) {
            throw invalid(b, from, to, "empty host");
        }
        int i = from;
        if (b[i] == '[') {
            int close = HttpRequestDecoder.indexOf(b, i + 1, to, (byte) ']');
            if (close < 0) {
                throw invalid(b, from, to, "unterminated IP literal");
            }
            checkIpLiteral(b, i + 1, close, from, to);
            i = close + 1;
            if (i < to && b[i] != ':') {
                throw invalid(b, from, to, "unexpected character after an IP literal");
            }
        } else {
            while (i < to && b[i] != ':') {
                byte c = b[i];
                if (c == '%') {
                    if (i + 2 >= to || hex(b[i + 1]) < 0 || hex(b[i + 2]) < 0) {
                        throw invalid(b, from, to, "invalid percent-encoding");
                    }
                    i += 3;
                    continue;
                }
                if (c < 0 || !REG_NAME[c]) {
                    throw invalid(b, from, to, "invalid character " + (c & 0xFF));
                }
                i++;
            }
            if (i == from) {
                throw invalid(b, from, to, "empty host");
            }
        }
        if (i == to) {
            if (portRequired) {
                throw invalid(b, from, to, "no port");
            }
            return -1;
        }
        int colon = i;
        int port = 0;
        for (i = colon + 1; i < to; i++) {
            byte c = b[i];
            if (c < '0' || c > '9') {
                throw invalid(b, from, to, "invalid character " + (c & 0xFF) + " in the port");
            }
            port = port * 10 + (c - '0');
            if (port > 65535) {
                throw invalid(b, from, to, "port out of range");
            }
        }
        if (portRequired && colon + 1 == to) {
            throw invalid(b, from, to, "empty port");
        }
        return colon;
    }

    /** IPv6address (hex digits, colons, an embedded IPv4 part) or IPvFuture ("v" 1*HEXDIG "." 1*(...)). */
    private static void checkIpLiteral(byte[] b, int from, int to, int authorityFrom, int authorityTo) {
        if (from == to) {
            throw invalid(b, authorityFrom, authorityTo, "empty IP literal");
        }
        if (b[from] == 'v' || b[from] == 'V') {
            int i = from + 1;
            int digits = i;
            while (i < to && hex(b[i]) >= 0) {
                i++;
            }
            if (i == digits || i >= to || b[i] != '.' || i + 1 == to) {
                throw invalid(b, authorityFrom, authorityTo, "invalid IPvFuture literal");
            }
            for (i++; i < to; i++) {
                byte c = b[i];
                if (c < 0 || !(REG_NAME[c] || c == ':') || c == '%') {
                    throw invalid(b, authorityFrom, authorityTo, "invalid character in an IPvFuture literal");
                }
            }
            return;
        }
        int colons = 0;
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c == ':') {
                colons++;
            } else if (hex(c) < 0 && c != '.') {
                throw invalid(b, authorityFrom, authorityTo, "invalid character " + (c & 0xFF) + " in an IPv6 literal");
            }
        }
        if (colons < 2 || colons > 7) {
            throw invalid(b, authorityFrom, authorityTo, "invalid IPv6 literal");
        }
    }

    private static int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static MalformedHttpException invalid(byte[] b, int from, int to, String why) {
        return new MalformedHttpException("invalid host \""
                + HttpObjectDecoder.printable(java.util.Arrays.copyOfRange(b, from, to), to - from) + "\": " + why);
    }
}
