package io.weft.codec.http.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.balance.BackendSet;
import io.weft.balance.BalanceStrategy;
import io.weft.bootstrap.Server;
import io.weft.codec.http.RawHttp;
import io.weft.loop.EventLoopGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The reverse proxy's response cache, against a real backend whose cache headers each test sets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ResponseCacheTest {

    private static EventLoopGroup group;
    private TestHttpBackend backend;
    private ResponseCache cache;
    private HttpReverseProxy proxy;
    private Server server;

    @BeforeAll
    static void startGroup() {
        group = new EventLoopGroup(2);
    }

    @AfterAll
    static void stopGroup() {
        group.close();
    }

    @BeforeEach
    void start() {
        backend = new TestHttpBackend(0, group);
        startProxy(new ResponseCache(1 << 20, 64 << 10));
    }

    private void startProxy(ResponseCache c) {
        if (server != null) {
            server.close();
            proxy.close();
        }
        cache = c;
        BackendSet set = new BackendSet(BalanceStrategy.roundRobin());
        set.add(backend.address());
        proxy = HttpReverseProxy.builder(set).cache(cache).build();
        server = Server.builder().group(group).childHandler(proxy).bind("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        server.close();
        proxy.close();
        backend.close();
    }

    private RawHttp.Response get(String path, String... headers) throws Exception {
        return HttpReverseProxyTest.once(server.port(), HttpReverseProxyTest.get(path, headers));
    }

    @Test
    void servesFreshResponsesFromTheCacheWithAnAge() throws Exception {
        RawHttp.Response first = get("/cache/a");
        assertEquals(200, first.status());
        assertNull(first.headers().get("age"));
        RawHttp.Response second = get("/cache/a");
        assertEquals(200, second.status());
        assertEquals(first.body(), second.body());
        assertNotNull(second.headers().get("age"));
        assertEquals("max-age=60", second.headers().get("cache-control"));
        assertEquals(1, backend.requests.get(), "the second request was a hit");
        assertEquals(1, cache.hits());
        assertEquals(1, cache.misses());
        // Another target is another key.
        get("/cache/b");
        assertEquals(2, backend.requests.get());
        // A request that says no-store bypasses the cache; one that says no-cache revalidates.
        get("/cache/a", "Cache-Control: no-store");
        assertEquals(3, backend.requests.get());
    }

    @Test
    void doesNotStoreNoStorePrivateOrUnlabelledResponses() throws Exception {
        String[] controls = {"no-store", "private, max-age=60", null};
        for (int i = 0; i < controls.length; i++) {
            String cc = controls[i];
            backend.cacheControl = cc;
            backend.etag = null;
            int before = backend.requests.get();
            get("/cache/x" + i);
            get("/cache/x" + i);
            assertEquals(before + 2, backend.requests.get(), "stored a response with Cache-Control " + cc);
        }
        assertEquals(0, cache.size());
    }

    @Test
    void sMaxAgeWinsOverMaxAgeAndExpiresCounts() throws Exception {
        backend.cacheControl = "max-age=0, s-maxage=60";
        get("/cache/s");
        get("/cache/s");
        assertEquals(1, backend.requests.get());
        assertEquals(60_000, ResponseCache.freshnessLifetime(headers("cache-control", "max-age=5, s-maxage=60"), 0));
        assertEquals(5_000, ResponseCache.freshnessLifetime(headers("cache-control", "public, max-age=5"), 0));
        assertEquals(30_000, ResponseCache.freshnessLifetime(headers("date", "Sun, 06 Nov 1994 08:49:37 GMT",
                "expires", "Sun, 06 Nov 1994 08:50:07 GMT"), 0));
        assertEquals(0, ResponseCache.freshnessLifetime(headers("expires", "0"), 0));
        assertEquals(-1, ResponseCache.freshnessLifetime(headers("etag", "\"x\""), 0));
    }

    private static io.weft.codec.http.HttpHeaders headers(String... pairs) {
        io.weft.codec.http.HttpHeaders h = new io.weft.codec.http.HttpHeaders();
        for (int i = 0; i < pairs.length; i += 2) {
            h.add(pairs[i], pairs[i + 1]);
        }
        return h;
    }

    @Test
    void revalidatesStaleEntriesWithIfNoneMatch() throws Exception {
        backend.cacheControl = "max-age=0"; // stale at once
        RawHttp.Response first = get("/cache/r");
        assertEquals(200, first.status());
        RawHttp.Response second = get("/cache/r");
        assertEquals(200, second.status(), "the 304 is answered from the entry as a full response");
        assertEquals(first.body(), second.body());
        assertEquals("\"v1\"", backend.lastHead().headers().get("if-none-match"));
        assertEquals(1, cache.revalidations());
        // The resource changes: the backend answers 200 to the revalidation and the entry is replaced.
        backend.etag = "\"v2\"";
        backend.body = "new body";
        RawHttp.Response third = get("/cache/r");
        assertTrue(third.body().startsWith("new body"), third.body());
        assertEquals("\"v2\"", third.headers().get("etag"));
        // no-cache responses are stored but revalidated on every use.
        backend.cacheControl = "no-cache";
        get("/cache/nc");
        int before = backend.requests.get();
        RawHttp.Response again = get("/cache/nc");
        assertEquals(200, again.status());
        assertEquals(before + 1, backend.requests.get());
        assertEquals("\"v2\"", backend.lastHead().headers().get("if-none-match"));
    }

    @Test
    void keepsOneVariantPerVaryValue() throws Exception {
        RawHttp.Response en = get("/cache/vary", "Accept-Language: en");
        RawHttp.Response fr = get("/cache/vary", "Accept-Language: fr");
        assertEquals("en", en.headers().get("content-language"));
        assertEquals("fr", fr.headers().get("content-language"));
        assertEquals(2, backend.requests.get());
        RawHttp.Response enAgain = get("/cache/vary", "Accept-Language: en");
        RawHttp.Response frAgain = get("/cache/vary", "Accept-Language: fr");
        assertEquals(en.body(), enAgain.body());
        assertEquals(fr.body(), frAgain.body());
        assertEquals("en", enAgain.headers().get("content-language"));
        assertEquals(2, backend.requests.get(), "both variants were hits");
        get("/cache/vary");
        assertEquals(3, backend.requests.get(), "no Accept-Language is a third variant");
        assertEquals(3, cache.size());
    }

    @Test
    void collapsesConcurrentMissesIntoOneBackendRequest() throws Exception {
        backend.delayMillis = 500; // keep the first fetch in flight while the others arrive
        ExecutorService clients = Executors.newFixedThreadPool(100);
        try {
            List<Future<RawHttp.Response>> results = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                results.add(clients.submit(() -> get("/cache/cold")));
            }
            String body = null;
            for (Future<RawHttp.Response> f : results) {
                RawHttp.Response r = f.get(30, TimeUnit.SECONDS);
                assertEquals(200, r.status());
                if (body == null) {
                    body = r.body();
                }
                assertEquals(body, r.body());
            }
        } finally {
            clients.shutdownNow();
        }
        assertEquals(1, backend.requests.get(), "100 concurrent requests for one cold key, one backend request");
    }

    @Test
    void evictsLeastRecentlyUsedEntriesToStayWithinItsBytes() throws Exception {
        startProxy(new ResponseCache(2_000, 1_000));
        get("/cache/1");
        get("/cache/2");
        get("/cache/1"); // 1 is now the most recently used
        assertEquals(2, backend.requests.get());
        for (int i = 3; i <= 6; i++) {
            get("/cache/" + i);
        }
        assertTrue(cache.bytes() <= 2_000, "cache holds " + cache.bytes() + " bytes");
        int before = backend.requests.get();
        get("/cache/6");
        assertEquals(before, backend.requests.get(), "the newest entry is kept");
        get("/cache/2");
        assertEquals(before + 1, backend.requests.get(), "the least recently used entry was evicted");
    }

    @Test
    void prefetchRefreshesAHotEntryBeforeItExpires() throws Exception {
        // max-age=2 and prefetch in the last 90 %: a hit after 0.2 s starts a background refresh
        startProxy(new ResponseCache(1 << 20, 64 << 10, 0.9));
        backend.cacheControl = "max-age=2";
        get("/cache/hot");
        assertEquals(1, backend.requests.get());
        Thread.sleep(300); // age the entry past the prefetch point (a lower bound, not a race)
        RawHttp.Response hit = get("/cache/hot");
        assertEquals(200, hit.status());
        assertEquals(1, cache.hits(), "served from the cache");
        HttpReverseProxyTest.waitFor(() -> backend.requests.get() == 2);
        assertEquals(1, cache.size());
        // The refreshed entry is young again: the next request is a hit that starts no further fetch.
        assertEquals(200, get("/cache/hot").status());
        assertEquals(2, backend.requests.get());
        assertEquals(2, cache.hits());
    }
}
