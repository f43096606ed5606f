package io.weft.codec.http.proxy;

import io.weft.balance.Backend;
import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.ChannelOption;
import io.weft.channel.TcpChannel;
import io.weft.codec.http.FullHttpRequest;
import io.weft.codec.http.FullHttpResponse;
import io.weft.codec.http.HttpClientCodec;
import io.weft.codec.http.HttpHeaders;
import io.weft.codec.http.HttpObjectAggregator;
import io.weft.codec.http.HttpRequest;
import io.weft.codec.http.HttpVersion;
import io.weft.loop.EventLoop;
import io.weft.loop.ScheduledTask;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A background refresh of a cache entry (prefetch): one {@code GET} on a fresh backend connection of its own,
 * aggregated up to the cache's entry limit, stored if storable. Bounded by the proxy's connect and response
 * timeouts; any failure just leaves the entry to expire.
 */
final class CachePrefetch implements Handler {

    private static final Logger log = LoggerFactory.getLogger(CachePrefetch.class);

    private final HttpReverseProxy proxy;
    private final String key;
    private final HttpHeaders requestHeaders;
    private final Backend backend;
    private boolean done;
    private ScheduledTask timeout;

    private CachePrefetch(HttpReverseProxy proxy, String key, HttpHeaders requestHeaders, Backend backend) {
        this.proxy = proxy;
        this.key = key;
        this.requestHeaders = requestHeaders;
        this.backend = backend;
    }

    /** Refreshes {@code key} with a copy of {@code request} (already prepared for a backend). On {@code loop}. */
    static void start(HttpReverseProxy proxy, EventLoop loop, String key, HttpRequest request) {
        Backend backend = proxy.backends().select();
        if (backend == null) {
            proxy.cache().complete(key, null, null);
            return;
        }
        HttpHeaders headers = request.headers().copy();
        headers.remove("if-none-match");
        headers.remove("if-modified-since");
        CachePrefetch prefetch = new CachePrefetch(proxy, key, headers, backend);
        Map<ChannelOption<?>, Object> options = Map.of(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.max(1, proxy.connectTimeout().toMillis()));
        TcpChannel.connect(loop, backend.address(), options, ch -> ch.pipeline()
                .addLast("http", new HttpClientCodec(proxy.backendConfig()))
                .addLast("aggregate", new HttpObjectAggregator(proxy.cache().maxEntryBytes()))
                .addLast("prefetch", prefetch))
                .whenComplete((ch, error) -> {
                    if (error != null) {
                        backend.recordFailure();
                        prefetch.end(null, null, "connect failed: " + error.getMessage());
                    } else {
                        backend.recordSuccess();
                        prefetch.send(ch, request.target());
                    }
                });
    }

    private void send(TcpChannel ch, String target) {
        Buffer empty = ch.allocator().allocate(0);
        ch.writeAndFlush(new FullHttpRequest(HttpVersion.HTTP_1_1, io.weft.codec.http.HttpMethod.GET, target,
                requestHeaders, empty, null));
        timeout = ch.loop().schedule(() -> {
            end(null, null, "no response in time");
            ch.close();
        }, proxy.responseTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(HandlerContext ctx, Object msg) {
        try {
            if (msg instanceof FullHttpResponse response) {
                HttpHeaders headers = response.headers().copy();
                ProxyHeaders.removeHopByHop(headers);
                headers.remove("content-length");
                headers.set("content-length", response.content().readableBytes());
                ProxyHeaders.addVia(headers, proxy.via());
                ResponseCache.Entry entry = proxy.cache().prepare(requestHeaders, response.status(), headers);
                byte[] body = new byte[response.content().readableBytes()];
                response.content().getBytes(response.content().readerIndex(), body, 0, body.length);
                end(entry, body, entry == null ? "not storable" : null);
            }
        } finally {
            ReferenceCounted.safeRelease(msg);
            ctx.close();
        }
    }

    @Override
    public void channelInactive(HandlerContext ctx) {
        end(null, null, "connection closed");
    }

    @Override
    public void exceptionCaught(HandlerContext ctx, Throwable cause) {
        end(null, null, cause.toString());
        ctx.close();
    }

    private void end(ResponseCache.Entry entry, byte[] body, String why) {
        if (done) {
            return;
        }
        done = true;
        if (timeout != null) {
            timeout.cancel();
        }
        backend.release();
        if (why != null) {
            log.debug("prefetch of {} from {}: {}", key, backend.address(), why);
        }
        proxy.cache().complete(key, entry, body);
    }
}
