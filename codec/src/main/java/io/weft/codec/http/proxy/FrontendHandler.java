package io.weft.codec.http.proxy;

import io.weft.balance.Backend;
import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.ChannelOption;
import io.weft.channel.TcpChannel;
import io.weft.codec.http.FullHttpRequest;
import io.weft.codec.http.FullHttpResponse;
import io.weft.codec.http.HttpClientCodec;
import io.weft.codec.http.HttpContent;
import io.weft.codec.http.HttpHeaderNames;
import io.weft.codec.http.HttpHeaders;
import io.weft.codec.http.HttpMethod;
import io.weft.codec.http.HttpRequest;
import io.weft.codec.http.HttpResponse;
import io.weft.codec.http.HttpResponseStatus;
import io.weft.codec.http.HttpVersion;
import io.weft.codec.http.LastHttpContent;
import io.weft.loop.EventLoop;
import io.weft.loop.ScheduledTask;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of the reverse proxy, after the {@code HttpServerCodec}: runs one {@link Exchange} at a time.
 * Messages of later (pipelined) requests wait in a queue: the client's reading is paused while an exchange runs
 * (resumed only to stream the current request's body), so only what one read batch decoded can pile up, and
 * {@link #MAX_QUEUED} bounds even that.
 */
final class FrontendHandler implements Handler {

    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);
    /** Messages of pipelined requests kept while the current one runs; a client sending more is closed. */
    static final int MAX_QUEUED = 4096;

    private final HttpReverseProxy proxy;
    private final ArrayDeque<Object> queued = new ArrayDeque<>();
    private TcpChannel client;
    private Exchange current;

    FrontendHandler(HttpReverseProxy proxy) {
        this.proxy = proxy;
    }

    @Override
    public void handlerAdded(HandlerContext ctx) {
        client = (TcpChannel) ctx.channel();
    }

    @Override
    public void channelRead(HandlerContext ctx, Object msg) {
        if (current != null && queued.isEmpty() && msg instanceof HttpContent content && !current.requestComplete) {
            current.requestContent(content);
        } else if (current != null || !queued.isEmpty()) {
            if (queued.size() >= MAX_QUEUED) {
                ReferenceCounted.safeRelease(msg);
                log.debug("{}: more than {} pipelined messages waiting; closing", client, MAX_QUEUED);
                ctx.close();
                return;
            }
            queued.add(msg);
            setClientReading(false);
        } else {
            start(msg);
        }
    }

    /** Handles a message while no exchange runs. */
    private void start(Object msg) {
        if (msg instanceof HttpRequest request) {
            current = new Exchange(request);
            current.begin();
        } else {
            // The rest of the body of a request that was answered early (an error, or the backend did not wait).
            ReferenceCounted.safeRelease(msg);
        }
    }

    @Override
    public void channelReadComplete(HandlerContext ctx) {
        if (current != null) {
            current.requestBatchDone();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void writabilityChanged(HandlerContext ctx) {
        if (current != null && client.isWritable()) {
            current.clientWritable();
        }
        ctx.fireWritabilityChanged();
    }

    @Override
    public void channelInactive(HandlerContext ctx) {
        if (current != null) {
            current.abort();
            current = null;
        }
        Object msg;
        while ((msg = queued.poll()) != null) {
            ReferenceCounted.safeRelease(msg);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(HandlerContext ctx, Throwable cause) {
        log.debug("{}: closing client connection: {}", ctx.channel(), cause.toString());
        ctx.close();
    }

    /** The current exchange is over: start the queued ones, then read again. */
    private void exchangeDone(Exchange ex) {
        if (current != ex) {
            return;
        }
        current = null;
        Object msg;
        while ((msg = queued.peek()) != null) {
            if (current == null) {
                queued.poll();
                start(msg);
            } else if (msg instanceof HttpContent content && !current.requestComplete) {
                queued.poll();
                current.requestContent(content);
            } else {
                return; // the next request waits for this one
            }
        }
        if (current == null || !current.requestComplete) {
            setClientReading(current == null || current.conn != null);
        }
    }

    private void setClientReading(boolean on) {
        if (client.isOpen()) {
            client.setOption(ChannelOption.AUTO_READ, on);
        }
    }

    /** One request and its response. Confined to the client connection's loop. */
    final class Exchange {
        private final HttpRequest outbound;
        private final boolean bodyless;
        private final boolean retryableAfterSend;
        private final List<Backend> tried = new ArrayList<>(2);
        private final ArrayDeque<HttpContent> pendingBody = new ArrayDeque<>();
        private final EventLoop loop = client.loop();
        boolean requestComplete;
        private boolean responseStarted;
        private boolean interim;
        private boolean done;
        private boolean backendKeepAlive;
        private Backend backend;
        private boolean slotHeld;
        BackendConnection conn;
        private ScheduledTask timer;
        // Cache state: the key (null when the cache is not involved), whether this exchange leads the fetch of
        // the key, the entry being revalidated, the entry a storable response makes and its collected body.
        private final HttpHeaders clientHeaders;
        private String cacheKey;
        private boolean cacheLeader;
        private ResponseCache.Entry staleEntry;
        private ResponseCache.Entry pendingEntry;
        private java.io.ByteArrayOutputStream collected;
        private boolean swallowBody;

        Exchange(HttpRequest request) {
            this.clientHeaders = request.headers();
            HttpHeaders headers = request.headers().copy();
            ProxyHeaders.removeHopByHop(headers);
            headers.remove(HttpHeaderNames.EXPECT); // the server codec already answered 100-continue
            String target = request.target();
            if (target.startsWith("http://") || target.startsWith("https://")) {
                // absolute form: backends get origin form and the authority as Host (RFC 9112 section 3.2.2)
                int start = target.indexOf("//") + 2;
                int slash = target.indexOf('/', start);
                headers.set(HttpHeaderNames.HOST, target.substring(start, slash < 0 ? target.length() : slash));
                target = slash < 0 ? "/" : target.substring(slash);
            }
            if (proxy.forwardedHeaders()) {
                ProxyHeaders.addForwarded(headers, (InetSocketAddress) client.remoteAddress(), "http");
            }
            ProxyHeaders.addVia(headers, proxy.via());
            this.bodyless = !request.isChunked() && request.contentLength() <= 0;
            ResponseCache cache = proxy.cache();
            this.cacheKey = cache == null ? null : ResponseCache.keyOf(request, bodyless);
            this.outbound = new HttpRequest(HttpVersion.HTTP_1_1, request.method(), target, headers);
            HttpMethod m = request.method();
            boolean idempotent = m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.PUT
                    || m == HttpMethod.DELETE || m == HttpMethod.OPTIONS || m == HttpMethod.TRACE;
            this.retryableAfterSend = idempotent && bodyless;
            setClientReading(false);
        }

        // -------------------------------------------------------------- cache

        /** Consults the cache (if any), then goes to a backend unless the cache answered or a fetch is waited on. */
        void begin() {
            ResponseCache cache = proxy.cache();
            if (cacheKey != null) {
                ResponseCache.Lookup found = cache.lookup(cacheKey, clientHeaders, loop, this::collapsedDone);
                if (found.outcome() == ResponseCache.Outcome.FRESH) {
                    String key = cacheKey;
                    cacheKey = null;
                    serveStored(found.entry());
                    if (cache.claimPrefetch(key, found.entry())) {
                        CachePrefetch.start(proxy, loop, key, outbound);
                    }
                    return;
                }
                if (found.waiting()) {
                    return; // collapsed onto a fetch in flight: collapsedDone continues
                }
                if (found.leader()) {
                    cacheLeader = true;
                    staleEntry = found.entry();
                    if (staleEntry != null) {
                        String etag = staleEntry.headers.get("etag");
                        String lastModified = staleEntry.headers.get("last-modified");
                        if (etag != null) {
                            outbound.headers().set("if-none-match", etag);
                        }
                        if (lastModified != null) {
                            outbound.headers().set("if-modified-since", lastModified);
                        }
                    }
                } else {
                    cacheKey = null; // too many waiters: fetch without the cache
                }
            }
            dispatch();
        }

        /** The fetch this exchange waited for is over: serve its result, or fetch without the cache. */
        private void collapsedDone(ResponseCache.Entry entry) {
            if (done) {
                return;
            }
            cacheKey = null;
            if (entry != null) {
                serveStored(entry);
            } else {
                dispatch();
            }
        }

        /** Answers from a stored entry, with an Age field. */
        private void serveStored(ResponseCache.Entry entry) {
            done = true;
            client.writeAndFlush(storedResponse(entry));
            exchangeDone(this);
        }

        private FullHttpResponse storedResponse(ResponseCache.Entry entry) {
            Buffer body = client.allocator().allocate(entry.body.length);
            body.writeBytes(entry.body);
            HttpHeaders headers = entry.headers.copy();
            headers.set("age", entry.ageSeconds(System.currentTimeMillis()));
            return new FullHttpResponse(HttpVersion.HTTP_1_1, entry.status, headers, body, null);
        }

        /** Ends this exchange's part in a cache fetch: stores what was collected (if anything), wakes waiters. */
        private void endFetch(boolean store) {
            if (!cacheLeader) {
                return;
            }
            cacheLeader = false;
            byte[] body = store && collected != null ? collected.toByteArray() : null;
            proxy.cache().complete(cacheKey, store ? pendingEntry : null, body);
        }

        // -------------------------------------------------------------- choosing and connecting

        void dispatch() {
            if (done) {
                return;
            }
            Backend chosen = tried.size() < proxy.attempts() ? proxy.backends().select(tried) : null;
            if (chosen == null) {
                if (tried.isEmpty()) {
                    fail(503, "Service Unavailable", "no backend available");
                } else {
                    fail(502, "Bad Gateway", "no backend answered after " + tried.size() + " attempt(s)");
                }
                return;
            }
            backend = chosen;
            slotHeld = true;
            tried.add(chosen);
            BackendConnection pooled = proxy.pool.take(loop, chosen);
            if (pooled != null) {
                attach(pooled);
                return;
            }
            BackendConnection fresh = new BackendConnection(chosen, proxy);
            Map<ChannelOption<?>, Object> options = Map.of(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                    (int) Math.max(1, proxy.connectTimeout().toMillis()), ChannelOption.AUTO_READ, false);
            TcpChannel.connect(loop, chosen.address(), options, ch -> ch.pipeline()
                    .addLast("http", new HttpClientCodec(proxy.backendConfig()))
                    .addLast("http-proxy-backend", fresh))
                    .whenComplete((ch, error) -> {
                        if (loop.inLoop()) {
                            connected(fresh, error);
                        } else {
                            loop.execute(() -> connected(fresh, error));
                        }
                    });
        }

        private void connected(BackendConnection fresh, Throwable error) {
            if (error != null) {
                fresh.backend().recordFailure();
                if (backend == fresh.backend()) {
                    releaseSlot();
                }
                log.debug("{}: connect to {} failed: {}", client, fresh.backend().address(), error.getMessage());
                dispatch(); // nothing was sent: any request may go elsewhere
                return;
            }
            if (done) {
                fresh.channel().close();
                return;
            }
            attach(fresh);
        }

        private void attach(BackendConnection c) {
            conn = c;
            c.exchange = this;
            c.setAutoRead(true);
            TcpChannel ch = c.channel();
            if (bodyless) {
                Buffer empty = ch.allocator().allocate(0);
                ch.write(new FullHttpRequest(HttpVersion.HTTP_1_1, outbound.method(), outbound.target(),
                        outbound.headers().copy(), empty, null));
            } else {
                ch.write(outbound);
                HttpContent part;
                while ((part = pendingBody.poll()) != null) {
                    backend.addBytesToBackend(part.readableBytes());
                    ch.write(part);
                }
            }
            ch.flush();
            long timeout = proxy.responseTimeout().toNanos();
            timer = loop.schedule(() -> backendFailed(c, "no response within " + proxy.responseTimeout().toMillis()
                    + " ms", true), timeout, TimeUnit.NANOSECONDS);
            if (!requestComplete && ch.isWritable()) {
                setClientReading(true);
            }
        }

        // -------------------------------------------------------------- request body

        void requestContent(HttpContent content) {
            boolean last = content instanceof LastHttpContent;
            if (last) {
                requestComplete = true;
            }
            if (done || bodyless) {
                ReferenceCounted.safeRelease(content);
            } else if (conn == null) {
                pendingBody.add(content); // the client's reading is paused until the backend is attached
            } else {
                backend.addBytesToBackend(content.readableBytes());
                conn.channel().write(content);
            }
            if (last) {
                setClientReading(false); // the next request waits for this response
            }
        }

        void requestBatchDone() {
            BackendConnection c = conn;
            if (c != null && !done) {
                c.channel().flush();
                if (!c.channel().isWritable()) {
                    setClientReading(false);
                }
            }
        }

        void backendWritable() {
            if (!requestComplete && !done) {
                setClientReading(true);
            }
        }

        // -------------------------------------------------------------- response

        void responseHead(HttpResponse response) {
            int code = response.status().code();
            if (code < 200) {
                interim = true; // 1xx: its own end follows; the client codec answered 100-continue already
                return;
            }
            cancelTimer();
            if (code == 502 || code == 503 || code == 504) {
                backend.recordFailure(); // a gateway error from the backend counts towards ejecting it (as Envoy's 5xx)
            } else {
                backend.recordSuccess();
            }
            backendKeepAlive = response.isKeepAlive();
            HttpHeaders headers = response.headers().copy();
            ProxyHeaders.removeHopByHop(headers);
            ProxyHeaders.addVia(headers, proxy.via());
            responseStarted = true;
            if (cacheLeader) {
                ResponseCache cache = proxy.cache();
                if (staleEntry != null && code == 304) {
                    // Still valid: refresh the entry, answer from it, and drop the (empty) 304 body.
                    ResponseCache.Entry refreshed = cache.refresh(cacheKey, staleEntry, headers);
                    pendingEntry = refreshed;
                    collected = null;
                    cacheLeader = false;
                    cache.complete(cacheKey, refreshed, refreshed.body);
                    swallowBody = true;
                    client.write(storedResponse(refreshed));
                    return;
                }
                pendingEntry = cache.prepare(clientHeaders, response.status(), headers);
                if (pendingEntry != null) {
                    long length = response.contentLength();
                    if (length > cache.maxEntryBytes()) {
                        pendingEntry = null;
                    } else {
                        collected = new java.io.ByteArrayOutputStream(length > 0 ? (int) length : 256);
                    }
                }
            }
            client.write(new HttpResponse(HttpVersion.HTTP_1_1, response.status(), headers));
        }

        void responseContent(HttpContent content) {
            if (interim) {
                ReferenceCounted.safeRelease(content);
                interim = !(content instanceof LastHttpContent);
                return;
            }
            if (done || !responseStarted) {
                ReferenceCounted.safeRelease(content);
                return;
            }
            if (swallowBody) {
                content.release();
                if (content instanceof LastHttpContent) {
                    finish();
                }
                return;
            }
            if (collected != null && content.readableBytes() > 0) {
                if (collected.size() + content.readableBytes() > proxy.cache().maxEntryBytes()) {
                    collected = null; // too big to store: relay only
                } else {
                    Buffer b = content.content();
                    byte[] copy = new byte[b.readableBytes()];
                    b.getBytes(b.readerIndex(), copy, 0, copy.length);
                    collected.write(copy, 0, copy.length);
                }
            }
            backend.addBytesFromBackend(content.readableBytes());
            client.write(content);
            if (content instanceof LastHttpContent) {
                finish();
            }
        }

        void responseBatchDone() {
            if (done) {
                return;
            }
            client.flush();
            if (!client.isWritable() && conn != null) {
                conn.setAutoRead(false);
            }
        }

        void clientWritable() {
            if (conn != null && !done) {
                conn.setAutoRead(true);
            }
        }

        /** The whole response went to the client. */
        private void finish() {
            done = true;
            endFetch(true);
            cancelTimer();
            client.flush();
            BackendConnection c = detach();
            releaseSlot();
            if ((requestComplete || bodyless) && backendKeepAlive) {
                c.setAutoRead(true); // idle, it must still notice the backend closing it
                proxy.pool.offer(c);
            } else {
                c.channel().close();
            }
            releasePending();
            exchangeDone(this);
        }

        // -------------------------------------------------------------- failures

        /** The backend connection failed or timed out while serving this exchange. */
        void backendFailed(BackendConnection c, String why, boolean timeout) {
            if (done || c != conn) {
                return;
            }
            cancelTimer();
            detach();
            c.channel().close();
            backend.recordFailure();
            releaseSlot();
            log.debug("{}: backend {} failed: {}", client, backend.address(), why);
            if (responseStarted) {
                done = true;
                endFetch(false);
                releasePending();
                client.close(); // part of the response is out: closing is the only way to say it broke
                return;
            }
            if (!timeout && retryableAfterSend) {
                dispatch();
            } else if (timeout) {
                fail(504, "Gateway Timeout", why);
            } else {
                fail(502, "Bad Gateway", why);
            }
        }

        /** Answers the client with a generated error response. */
        private void fail(int code, String reason, String why) {
            done = true;
            endFetch(false);
            cancelTimer();
            BackendConnection c = detach();
            if (c != null) {
                c.channel().close();
            }
            releaseSlot();
            releasePending();
            log.debug("{}: answering {} {}: {}", client, code, reason, why);
            byte[] text = (code + " " + reason + "\n").getBytes(StandardCharsets.US_ASCII);
            Buffer body = client.allocator().allocate(text.length);
            body.writeBytes(text);
            FullHttpResponse response = new FullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(code, reason), body);
            HttpHeaders h = response.headers();
            h.set(HttpHeaderNames.DATE, ProxyHeaders.httpDate());
            h.set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=us-ascii");
            h.set(HttpHeaderNames.CONTENT_LENGTH, text.length);
            // With the request body still arriving the connection cannot be reused reliably. (A bodyless
            // request's end is always the decoder's very next message.)
            h.set(HttpHeaderNames.CONNECTION, requestComplete || bodyless ? "keep-alive" : "close");
            if (code == 503) {
                h.set("retry-after", "1");
            }
            client.writeAndFlush(response);
            exchangeDone(this);
        }

        /** The client went away. */
        void abort() {
            done = true;
            endFetch(false);
            cancelTimer();
            BackendConnection c = detach();
            if (c != null) {
                c.channel().close();
            }
            releaseSlot();
            releasePending();
        }

        private BackendConnection detach() {
            BackendConnection c = conn;
            conn = null;
            if (c != null) {
                c.exchange = null;
            }
            return c;
        }

        private void releaseSlot() {
            if (slotHeld) {
                slotHeld = false;
                backend.release();
            }
        }

        private void releasePending() {
            HttpContent part;
            while ((part = pendingBody.poll()) != null) {
                part.release();
            }
        }

        private void cancelTimer() {
            if (timer != null) {
                timer.cancel();
                timer = null;
            }
        }
    }
}
