package io.weft.codec.http.proxy;

import io.weft.codec.http.HttpHeaderNames;
import io.weft.codec.http.HttpHeaders;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The header rules of an HTTP intermediary: hop-by-hop removal (RFC 9110 section 7.6.1), {@code Via} (section
 * 7.6.3), {@code Forwarded} (RFC 7239) and {@code X-Forwarded-*}, and the {@code Date} of generated responses.
 *
 * <p>Static helpers; safe from any thread.
 */
public final class ProxyHeaders {

    /** Fields that describe one connection and are never forwarded (plus any field named in Connection). */
    static final List<String> HOP_BY_HOP = List.of("connection", "proxy-connection", "keep-alive", "te",
            "transfer-encoding", "upgrade");

    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT);

    private ProxyHeaders() {
    }

    /**
     * Removes the hop-by-hop fields of RFC 9110 section 7.6.1 from {@code headers}: {@code Connection} itself, every
     * field the {@code Connection} field names, and {@code Proxy-Connection}, {@code Keep-Alive}, {@code TE},
     * {@code Transfer-Encoding} and {@code Upgrade}. {@code Transfer-Encoding} is removed because the proxy frames
     * each hop's body itself (a body without a length is re-chunked).
     */
    public static void removeHopByHop(HttpHeaders headers) {
        List<String> named = new ArrayList<>();
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                String name = token.trim();
                if (!name.isEmpty()) {
                    named.add(name);
                }
            }
        }
        for (String name : named) {
            headers.remove(name);
        }
        for (String name : HOP_BY_HOP) {
            headers.remove(name);
        }
    }

    /**
     * Adds what a proxy tells the backend about the client: appends the client's address to
     * {@code X-Forwarded-For}, appends an element {@code for=...;host=...;proto=http} to {@code Forwarded}
     * (IPv6 addresses quoted and bracketed as RFC 7239 requires), and sets {@code X-Forwarded-Proto} and
     * {@code X-Forwarded-Host} when absent.
     */
    public static void addForwarded(HttpHeaders headers, InetSocketAddress client, String proto) {
        String ip = client == null ? "unknown" : addressText(client.getAddress());
        String xff = String.join(", ", headers.getAll("x-forwarded-for"));
        headers.set("x-forwarded-for", xff.isEmpty() ? ip : xff + ", " + ip);
        boolean v6 = ip.indexOf(':') >= 0;
        StringBuilder element = new StringBuilder("for=");
        element.append(v6 ? "\"[" + ip + "]\"" : ip);
        String host = headers.get(HttpHeaderNames.HOST);
        if (host != null && !host.isEmpty()) {
            element.append(";host=\"").append(host.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        element.append(";proto=").append(proto);
        String forwarded = String.join(", ", headers.getAll("forwarded"));
        headers.set("forwarded", forwarded.isEmpty() ? element.toString() : forwarded + ", " + element);
        if (!headers.contains("x-forwarded-proto")) {
            headers.set("x-forwarded-proto", proto);
        }
        if (host != null && !headers.contains("x-forwarded-host")) {
            headers.set("x-forwarded-host", host);
        }
    }

    /** Appends {@code 1.1 pseudonym} to {@code Via} (RFC 9110 section 7.6.3). */
    public static void addVia(HttpHeaders headers, String pseudonym) {
        String via = String.join(", ", headers.getAll("via"));
        String element = "1.1 " + pseudonym;
        headers.set("via", via.isEmpty() ? element : via + ", " + element);
    }

    /** The current time as an HTTP date ({@code Sun, 06 Nov 1994 08:49:37 GMT}). */
    public static String httpDate() {
        return IMF_FIXDATE.format(ZonedDateTime.now(ZoneOffset.UTC));
    }

    private static String addressText(InetAddress address) {
        String text = address.getHostAddress();
        int zone = text.indexOf('%');
        return zone >= 0 ? text.substring(0, zone) : text;
    }
}
