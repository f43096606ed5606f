package io.weft.codec.http.proxy;

import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.codec.http.FullHttpResponse;
import io.weft.codec.http.HttpContent;
import io.weft.codec.http.HttpHeaders;
import io.weft.codec.http.HttpRequest;
import io.weft.codec.http.HttpResponse;
import io.weft.codec.http.HttpResponseStatus;
import io.weft.codec.http.HttpServerCodec;
import io.weft.codec.http.HttpVersion;
import io.weft.codec.http.LastHttpContent;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP backend for proxy tests, numbered {@code id}. Routes: {@code /hello} (a small body and some hop-by-hop
 * response fields), {@code /slow} (answers after 5 s), {@code /echo} (streams the request body back, chunked),
 * {@code /close} (closes without answering), {@code /cache/...} (see {@link #cacheControl}); anything else 404.
 * Counts connections and requests and keeps every request head.
 */
final class TestHttpBackend implements AutoCloseable {

    final int id;
    final Server server;
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    final ConcurrentLinkedQueue<HttpRequest> heads = new ConcurrentLinkedQueue<>();
    /** Cache-Control (and other) fields /cache/... responses carry; tests set them. */
    volatile String cacheControl = "max-age=60";
    volatile String etag = "\"v1\"";
    volatile String body = "cached body";
    volatile long delayMillis;

    TestHttpBackend(int id, EventLoopGroup group) {
        this.id = id;
        this.server = Server.builder().group(group)
                .childHandler(ch -> ch.pipeline().addLast("http", new HttpServerCodec()).addLast("app", new App()))
                .bind("127.0.0.1", 0);
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server.port());
    }

    HttpRequest lastHead() {
        HttpRequest last = null;
        for (HttpRequest head : heads) {
            last = head;
        }
        return last;
    }

    @Override
    public void close() {
        server.close();
    }

    private static FullHttpResponse text(HandlerContext ctx, int status, String text) {
        Buffer body = ctx.alloc().copyOf(text, StandardCharsets.UTF_8);
        return new FullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), body);
    }

    /** The size of the {@code /big} response: a pattern of {@code (byte) (position % 251)}. */
    static final long BIG = 48L << 20;
    private static final byte[] PATTERN = new byte[251 + 64 * 1024];

    static {
        for (int i = 0; i < PATTERN.length; i++) {
            PATTERN[i] = (byte) (i % 251);
        }
    }

    private final class App implements Handler {
        private long bigSent = -1;
        private boolean producing;
        private boolean again;
        private String path;
        private HttpRequest head;
        private boolean echoing;

        @Override
        public void channelActive(HandlerContext ctx) {
            connections.incrementAndGet();
        }

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request) {
                requests.incrementAndGet();
                head = new HttpRequest(request.version(), request.method(), request.target(),
                        request.headers().copy());
                heads.add(head);
                path = request.path();
                if (path.equals("/close")) {
                    ctx.close();
                    return;
                }
                if (path.equals("/echo")) {
                    echoing = true;
                    HttpResponse head = new HttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    ctx.write(head);
                }
                return;
            }
            if (echoing && msg instanceof HttpContent content) {
                ctx.write(content); // streams back; the last part ends the response
                if (content instanceof LastHttpContent) {
                    echoing = false;
                }
                return;
            }
            ReferenceCounted.safeRelease(msg);
            if (msg instanceof LastHttpContent) {
                respond(ctx);
            }
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void writabilityChanged(HandlerContext ctx) {
            produceBig(ctx);
        }

        /**
         * Streams the /big body while the connection is writable. Guarded against re-entry: a flush here can
         * deliver writability-changed (and so this method) before it returns.
         */
        private void produceBig(HandlerContext ctx) {
            if (producing) {
                again = true; // the outer call pumps once more
                return;
            }
            producing = true;
            try {
                do {
                    again = false;
                    pumpBig(ctx);
                } while (again);
            } finally {
                producing = false;
            }
        }

        private void pumpBig(HandlerContext ctx) {
            while (bigSent >= 0 && bigSent < BIG && ctx.channel().isWritable()) {
                int n = (int) Math.min(64 * 1024, BIG - bigSent);
                Buffer chunk = ctx.alloc().allocate(n);
                chunk.writeBytes(PATTERN, (int) (bigSent % 251), n);
                bigSent += n;
                ctx.write(new HttpContent(chunk));
                if (bigSent == BIG) {
                    ctx.write(LastHttpContent.EMPTY);
                    bigSent = -1;
                }
            }
            ctx.flush();
        }

        private void respond(HandlerContext ctx) {
            if (path.equals("/big")) {
                HttpResponse head = new HttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                head.headers().add("content-length", BIG);
                ctx.write(head);
                bigSent = 0;
                produceBig(ctx);
            } else if (path.equals("/hello")) {
                FullHttpResponse r = text(ctx, 200, "hello from " + id);
                HttpHeaders h = r.headers();
                h.add("connection", "x-hop");
                h.add("x-hop", "secret");
                h.add("keep-alive", "timeout=5");
                h.add("x-end", "kept");
                ctx.writeAndFlush(r);
            } else if (path.equals("/slow")) {
                ctx.loop().schedule(() -> {
                    if (ctx.channel().isOpen()) {
                        ctx.writeAndFlush(text(ctx, 200, "late"));
                    }
                }, 5, TimeUnit.SECONDS);
            } else if (path.startsWith("/cache/")) {
                HttpRequest head = this.head;
                Runnable answer = () -> {
                    String inm = head.headers().get("if-none-match");
                    FullHttpResponse r;
                    if (inm != null && inm.equals(etag)) {
                        r = new FullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED,
                                ctx.alloc().allocate(0));
                    } else {
                        String lang = head.headers().get("accept-language");
                        r = text(ctx, 200, body + " #" + requests.get() + (lang == null ? "" : " " + lang));
                    }
                    if (cacheControl != null) {
                        r.headers().add("cache-control", cacheControl);
                    }
                    if (etag != null) {
                        r.headers().add("etag", etag);
                    }
                    if (path.startsWith("/cache/vary")) {
                        r.headers().add("vary", "accept-language");
                        String language = head.headers().get("accept-language");
                        r.headers().add("content-language", language == null ? "none" : language);
                    }
                    ctx.writeAndFlush(r);
                };
                if (delayMillis > 0) {
                    ctx.loop().schedule(answer, delayMillis, TimeUnit.MILLISECONDS);
                } else {
                    answer.run();
                }
            } else {
                ctx.writeAndFlush(text(ctx, 404, "not found"));
            }
        }
    }
}
