package io.weft.codec.http.proxy;

import io.weft.codec.http.HttpHeaders;
import io.weft.codec.http.HttpRequest;
import io.weft.codec.http.HttpResponseStatus;
import io.weft.loop.EventLoop;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * An in-memory HTTP response cache for {@link HttpReverseProxy}, shared by every loop (and, if wanted, several
 * proxies): a shared cache in the sense of RFC 9111, bounded in bytes, least recently used entries evicted first.
 *
 * <ul>
 *   <li><b>What is stored:</b> responses to {@code GET} requests without {@code Authorization}, with status 200,
 *       203, 204, 300, 301, 308, 404, 405, 410, 414 or 501, that carry explicit freshness ({@code s-maxage}, which
 *       wins, {@code max-age}, or {@code Expires}) or {@code no-cache} plus a validator. Never stored:
 *       {@code no-store}, {@code private}, {@code Vary: *}, responses with {@code Set-Cookie}, bodies over
 *       {@code maxEntryBytes}. No heuristic freshness.</li>
 *   <li><b>Hits</b> are answered without a backend, with an {@code Age} field. A request with
 *       {@code Cache-Control: no-store} bypasses the cache; one with {@code no-cache} (or {@code Pragma: no-cache})
 *       revalidates. Requests carrying their own conditionals ({@code If-None-Match}, ...) go to the backend.</li>
 *   <li><b>Revalidation:</b> a stale entry (or a {@code no-cache} one) with an {@code ETag} or
 *       {@code Last-Modified} is revalidated with {@code If-None-Match} / {@code If-Modified-Since}; a
 *       {@code 304} refreshes the entry and the client gets the stored response; anything else replaces it.</li>
 *   <li><b>{@code Vary}:</b> each variant is stored under the values of the request fields it names.</li>
 *   <li><b>Collapsed misses:</b> while one request for a key is being fetched (or revalidated), further requests
 *       for the same key wait for it (at most {@link #MAX_WAITERS} per key; more go to the backend) and are served
 *       from the stored result; if the result is not storable they go to the backend themselves.</li>
 *   <li><b>Prefetch</b> (optional): a hit on an entry in the last {@code prefetchFraction} of its freshness
 *       lifetime starts a background refresh, so hot entries do not expire under load.</li>
 * </ul>
 *
 * <p>Thread-safe: the index is guarded by the cache's monitor, held only for map operations; entries are
 * immutable and keep their bodies on the heap, so any loop can serve them.
 */
public final class ResponseCache {

    /** The most requests that wait for one in-flight fetch; further ones go to the backend. */
    public static final int MAX_WAITERS = 1024;

    private static final Set<Integer> CACHEABLE_STATUS = Set.of(200, 203, 204, 300, 301, 308, 404, 405, 410, 414,
            501);
    /** Rough per-entry overhead charged against the byte budget besides body and headers. */
    private static final int ENTRY_OVERHEAD = 256;

    private final long maxBytes;
    private final int maxEntryBytes;
    private final double prefetchFraction;
    /** Primary key (host + target) to its variants; access order gives LRU over primary keys. */
    private final LinkedHashMap<String, List<Entry>> entries = new LinkedHashMap<>(64, 0.75f, true);
    private final Map<String, Flight> flights = new HashMap<>();
    private long bytes;
    private long hits;
    private long misses;
    private long revalidations;

    /**
     * A cache of at most {@code maxBytes} (bodies, headers and a small per-entry overhead), storing bodies up to
     * {@code maxEntryBytes}, without prefetch.
     */
    public ResponseCache(long maxBytes, int maxEntryBytes) {
        this(maxBytes, maxEntryBytes, 0);
    }

    /**
     * A cache as {@link #ResponseCache(long, int)} that also refreshes an entry in the background when it is hit
     * in the last {@code prefetchFraction} (0 to 1, 0 = off; 0.1 is a good value) of its freshness lifetime.
     */
    public ResponseCache(long maxBytes, int maxEntryBytes, double prefetchFraction) {
        if (maxBytes <= 0 || maxEntryBytes <= 0 || maxEntryBytes > maxBytes) {
            throw new IllegalArgumentException("need 0 < maxEntryBytes <= maxBytes, got " + maxEntryBytes + " and "
                    + maxBytes);
        }
        if (prefetchFraction < 0 || prefetchFraction >= 1) {
            throw new IllegalArgumentException("prefetchFraction must be within [0, 1), was " + prefetchFraction);
        }
        this.maxBytes = maxBytes;
        this.maxEntryBytes = maxEntryBytes;
        this.prefetchFraction = prefetchFraction;
    }

    /** The largest body stored. */
    public int maxEntryBytes() {
        return maxEntryBytes;
    }

    /** Bytes charged for the stored entries now (never above the limit). */
    public synchronized long bytes() {
        return bytes;
    }

    /** Stored responses (variants counted separately). */
    public synchronized int size() {
        int n = 0;
        for (List<Entry> variants : entries.values()) {
            n += variants.size();
        }
        return n;
    }

    /** Requests answered from the cache without a backend. */
    public synchronized long hits() {
        return hits;
    }

    /** Cacheable requests that found nothing usable. */
    public synchronized long misses() {
        return misses;
    }

    /** Revalidations that got 304 Not Modified. */
    public synchronized long revalidations() {
        return revalidations;
    }

    /** Drops every entry. */
    public synchronized void clear() {
        entries.clear();
        bytes = 0;
    }

    // ------------------------------------------------------------------ used by the proxy (package-private)

    /** The cache key of {@code request}, or {@code null} if the cache must not be used for it. */
    static String keyOf(HttpRequest request, boolean bodyless) {
        if (!bodyless || !request.method().name().equals("GET")) {
            return null;
        }
        HttpHeaders h = request.headers();
        if (h.contains("authorization") || h.contains("if-none-match") || h.contains("if-modified-since")
                || h.contains("if-match") || h.contains("if-unmodified-since") || h.contains("if-range")
                || h.contains("range") || h.containsToken("cache-control", "no-store")) {
            return null;
        }
        return h.get("host", "") + " " + request.target();
    }

    /** What a lookup found. */
    enum Outcome { FRESH, STALE, MISS }

    /** A lookup's result: the outcome, the entry (fresh or stale), and whether the caller leads the fetch. */
    record Lookup(Outcome outcome, Entry entry, boolean leader, boolean waiting) {
    }

    /**
     * Looks {@code key} up for a request with {@code headers}. A fresh entry is a hit. Otherwise the caller either
     * leads the fetch (no one else is fetching the key: it must later call {@link #complete}) or, if someone is,
     * waits: {@code onDone} runs on {@code loop} with the entry stored by the leader, or {@code null} (go to the
     * backend yourself).
     */
    Lookup lookup(String key, HttpHeaders headers, EventLoop loop, Consumer<Entry> onDone) {
        boolean forceRevalidate = headers.containsToken("cache-control", "no-cache")
                || headers.containsToken("pragma", "no-cache");
        long now = System.currentTimeMillis();
        synchronized (this) {
            Entry entry = variant(key, headers);
            if (entry != null && !forceRevalidate && !entry.noCache && entry.isFresh(now)) {
                hits++;
                return new Lookup(Outcome.FRESH, entry, false, false);
            }
            Flight flight = flights.get(key);
            if (flight != null) {
                if (flight.waiters.size() < MAX_WAITERS) {
                    flight.waiters.add(new Waiter(loop, headers, onDone));
                    return new Lookup(entry == null ? Outcome.MISS : Outcome.STALE, entry, false, true);
                }
                misses++;
                return new Lookup(Outcome.MISS, null, false, false);
            }
            flights.put(key, new Flight());
            if (entry != null && entry.hasValidator()) {
                return new Lookup(Outcome.STALE, entry, true, false);
            }
            misses++;
            return new Lookup(Outcome.MISS, null, true, false);
        }
    }

    /** Whether a hit on {@code entry} should start a background refresh (and claims it if so). */
    boolean claimPrefetch(String key, Entry entry) {
        if (prefetchFraction == 0) {
            return false;
        }
        long now = System.currentTimeMillis();
        long left = entry.expiresAt - now;
        if (left > (long) (entry.lifetimeMillis * prefetchFraction)) {
            return false;
        }
        synchronized (this) {
            if (flights.containsKey(key)) {
                return false;
            }
            flights.put(key, new Flight());
            return true;
        }
    }

    /**
     * Builds the entry a response would make, or {@code null} if it must not be stored.
     *
     * @param requestHeaders the (client) request's fields, for {@code Vary}
     * @param status the response status
     * @param responseHeaders the response fields as forwarded (hop-by-hop fields already removed)
     */
    Entry prepare(HttpHeaders requestHeaders, HttpResponseStatus status, HttpHeaders responseHeaders) {
        if (!CACHEABLE_STATUS.contains(status.code())) {
            return null;
        }
        HttpHeaders h = responseHeaders;
        if (h.containsToken("cache-control", "no-store") || h.containsToken("cache-control", "private")
                || h.contains("set-cookie")) {
            return null;
        }
        List<String> vary = new ArrayList<>();
        for (String value : h.getAll("vary")) {
            for (String name : value.split(",")) {
                String n = name.trim().toLowerCase(Locale.ROOT);
                if (n.equals("*")) {
                    return null;
                }
                if (!n.isEmpty()) {
                    vary.add(n);
                }
            }
        }
        long now = System.currentTimeMillis();
        long lifetime = freshnessLifetime(h, now);
        boolean noCache = h.containsToken("cache-control", "no-cache");
        boolean validator = h.contains("etag") || h.contains("last-modified");
        if (lifetime < 0 && !(noCache && validator)) {
            return null;
        }
        if (lifetime < 0) {
            lifetime = 0;
        }
        Map<String, String> varied = new HashMap<>();
        for (String name : vary) {
            varied.put(name, String.join(",", requestHeaders.getAll(name)));
        }
        long age = Math.max(0, h.getLong("age"));
        return new Entry(status, h.copy(), null, varied, now - age * 1000, now - age * 1000 + lifetime, lifetime,
                noCache);
    }

    /**
     * Ends the fetch of {@code key}: stores {@code entry} with {@code body} if both are non-null (and the body fits),
     * then hands the stored entry (or {@code null}) to every waiter on its loop.
     */
    void complete(String key, Entry entry, byte[] body) {
        Entry stored = null;
        List<Waiter> waiters;
        synchronized (this) {
            if (entry != null && body != null && body.length <= maxEntryBytes) {
                stored = entry.withBody(body);
                put(key, stored);
            }
            Flight flight = flights.remove(key);
            waiters = flight == null ? List.of() : flight.waiters;
        }
        for (Waiter w : waiters) {
            Entry forWaiter = stored != null && stored.matches(w.headers) ? stored : null;
            try {
                w.loop.execute(() -> w.onDone.accept(forWaiter));
            } catch (RuntimeException e) {
                // the waiter's loop is shutting down: its connection is going away with it
            }
        }
    }

    /** A 304 answered the revalidation of {@code entry}: refreshes it from {@code notModified} and returns it. */
    Entry refresh(String key, Entry entry, HttpHeaders notModified) {
        HttpHeaders merged = entry.headers.copy();
        for (String name : List.of("cache-control", "expires", "date", "etag", "last-modified", "age")) {
            if (notModified.contains(name)) {
                merged.remove(name);
                for (String value : notModified.getAll(name)) {
                    merged.add(name, value);
                }
            }
        }
        long now = System.currentTimeMillis();
        long lifetime = Math.max(0, freshnessLifetime(merged, now));
        long age = Math.max(0, merged.getLong("age"));
        Entry refreshed = new Entry(entry.status, merged, entry.body, entry.varied, now - age * 1000,
                now - age * 1000 + lifetime, lifetime, merged.containsToken("cache-control", "no-cache"));
        synchronized (this) {
            revalidations++;
            hits++;
            remove(key, entry);
            put(key, refreshed);
        }
        return refreshed;
    }

    private Entry variant(String key, HttpHeaders requestHeaders) {
        List<Entry> variants = entries.get(key);
        if (variants == null) {
            return null;
        }
        for (Entry e : variants) {
            if (e.matches(requestHeaders)) {
                return e;
            }
        }
        return null;
    }

    private void put(String key, Entry entry) {
        List<Entry> variants = entries.computeIfAbsent(key, k -> new ArrayList<>(1));
        for (Iterator<Entry> it = variants.iterator(); it.hasNext();) {
            Entry old = it.next();
            if (old.varied.equals(entry.varied)) {
                it.remove();
                bytes -= old.size;
            }
        }
        variants.add(entry);
        bytes += entry.size;
        evict();
    }

    private void remove(String key, Entry entry) {
        List<Entry> variants = entries.get(key);
        if (variants != null && variants.remove(entry)) {
            bytes -= entry.size;
            if (variants.isEmpty()) {
                entries.remove(key);
            }
        }
    }

    private void evict() {
        Iterator<Map.Entry<String, List<Entry>>> it = entries.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<String, List<Entry>> eldest = it.next();
            for (Entry e : eldest.getValue()) {
                bytes -= e.size;
            }
            it.remove();
        }
    }

    /** Seconds of freshness from s-maxage, max-age or Expires - Date, in ms; -1 if none is given. */
    static long freshnessLifetime(HttpHeaders h, long now) {
        long sMaxAge = directive(h, "s-maxage");
        if (sMaxAge >= 0) {
            return sMaxAge * 1000;
        }
        long maxAge = directive(h, "max-age");
        if (maxAge >= 0) {
            return maxAge * 1000;
        }
        String expires = h.get("expires");
        if (expires != null) {
            long expiresAt = parseDate(expires);
            if (expiresAt < 0) {
                return 0; // an invalid Expires means already expired (RFC 9111 section 5.3)
            }
            String date = h.get("date");
            long dateAt = date == null ? now : parseDate(date);
            return Math.max(0, expiresAt - (dateAt < 0 ? now : dateAt));
        }
        return -1;
    }

    /** The value of {@code name=N} in Cache-Control, or -1. */
    static long directive(HttpHeaders h, String name) {
        for (String value : h.getAll("cache-control")) {
            for (String part : value.split(",")) {
                String p = part.trim();
                if (p.regionMatches(true, 0, name, 0, name.length()) && p.length() > name.length()
                        && p.charAt(name.length()) == '=') {
                    String n = p.substring(name.length() + 1).trim();
                    if (n.startsWith("\"") && n.endsWith("\"") && n.length() >= 2) {
                        n = n.substring(1, n.length() - 1);
                    }
                    try {
                        return Math.max(0, Long.parseLong(n));
                    } catch (NumberFormatException e) {
                        return 0; // invalid: treat as stale
                    }
                }
            }
        }
        return -1;
    }

    static long parseDate(String value) {
        try {
            return ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            return -1;
        }
    }

    /** One stored response. Immutable. */
    static final class Entry {
        final HttpResponseStatus status;
        final HttpHeaders headers;
        final byte[] body;
        final Map<String, String> varied;
        final long storedAt;
        final long expiresAt;
        final long lifetimeMillis;
        final boolean noCache;
        final long size;

        Entry(HttpResponseStatus status, HttpHeaders headers, byte[] body, Map<String, String> varied,
                long storedAt, long expiresAt, long lifetimeMillis, boolean noCache) {
            this.status = status;
            this.headers = headers;
            this.body = body;
            this.varied = varied;
            this.storedAt = storedAt;
            this.expiresAt = expiresAt;
            this.lifetimeMillis = lifetimeMillis;
            this.noCache = noCache;
            long headerBytes = 0;
            for (Map.Entry<String, String> field : headers) {
                headerBytes += field.getKey().length() + field.getValue().length() + 4;
            }
            this.size = (body == null ? 0 : body.length) + headerBytes + ENTRY_OVERHEAD;
        }

        Entry withBody(byte[] body) {
            return new Entry(status, headers, body, varied, storedAt, expiresAt, lifetimeMillis, noCache);
        }

        boolean isFresh(long now) {
            return now < expiresAt;
        }

        boolean hasValidator() {
            return headers.contains("etag") || headers.contains("last-modified");
        }

        /** Age in whole seconds, for the Age field. */
        long ageSeconds(long now) {
            return Math.max(0, (now - storedAt) / 1000);
        }

        boolean matches(HttpHeaders requestHeaders) {
            for (Map.Entry<String, String> v : varied.entrySet()) {
                if (!String.join(",", requestHeaders.getAll(v.getKey())).equals(v.getValue())) {
                    return false;
                }
            }
            return true;
        }
    }

    private record Waiter(EventLoop loop, HttpHeaders headers, Consumer<Entry> onDone) {
    }

    private static final class Flight {
        final List<Waiter> waiters = new ArrayList<>();
    }
}
