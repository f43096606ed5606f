package io.weft.codec.http;

import io.weft.buffer.Buffer;
import io.weft.buffer.BufferAllocator;
import io.weft.channel.Channel;
import io.weft.codec.compress.GzipEncoder;
import io.weft.loop.EventLoop;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import io.weft.pipeline.Pipeline;
import java.util.concurrent.CompletableFuture;

/**
 * Gzips the bodies of {@link FullHttpResponse}s for clients that send {@code Accept-Encoding: gzip}, reusing
 * {@link GzipEncoder} (one gzip member per body, the deflater working on direct memory). A response is left as is
 * when the client did not accept gzip (or gave it {@code q=0}), when it already has a {@code content-encoding},
 * when its body is shorter than {@code minBytes} (compressing a few bytes only adds the 18-byte gzip frame), when
 * its status has no body (1xx, 204, 304), or when it is streamed (an {@link HttpResponse} followed by
 * {@link HttpContent}s). Compressed responses get {@code content-encoding: gzip}, the new {@code content-length}
 * and {@code vary: accept-encoding}.
 *
 * <p>Place it after {@link HttpServerCodec}: {@code codec -> compressor -> application}. Responses must be
 * written in request order (as HTTP/1.1 requires anyway). Runs on the channel's loop; one instance per
 * connection (it owns a native deflater, freed when the handler is removed).
 */
public class HttpContentCompressor implements Handler {

    /** Bodies shorter than this are not compressed by default. */
    public static final int DEFAULT_MIN_BYTES = 256;

    private final GzipEncoder gzip;
    private final int minBytes;
    /** Whether each request not yet answered (oldest first) accepts gzip: a ring. */
    private boolean[] accepts = new boolean[8];
    private int first;
    private int size;
    private Capture capture;

    /** A compressor at zlib's default level for bodies of at least {@link #DEFAULT_MIN_BYTES}. */
    public HttpContentCompressor() {
        this(-1, DEFAULT_MIN_BYTES);
    }

    /**
     * @param level    gzip level: 1 (fast) to 9 (best), or -1 for zlib's default (6)
     * @param minBytes bodies shorter than this are sent as they are
     */
    public HttpContentCompressor(int level, int minBytes) {
        if (minBytes < 0) {
            throw new IllegalArgumentException("minBytes " + minBytes + " must be >= 0");
        }
        this.gzip = new GzipEncoder(level);
        this.minBytes = minBytes;
    }

    @Override
    public void channelRead(HandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest request) {
            push(acceptsGzip(request.headers()));
        }
        ctx.fireChannelRead(msg);
    }

    /** Whether {@code accept-encoding} lists gzip (or {@code *}) with a non-zero quality. */
    static boolean acceptsGzip(HttpHeaders headers) {
        boolean gzip = false;
        boolean star = false;
        for (int i = 0; i < headers.size(); i++) {
            if (!headers.nameAt(i).equalsIgnoreCase(HttpHeaderNames.ACCEPT_ENCODING)) {
                continue;
            }
            for (String element : headers.valueAt(i).split(",")) {
                String[] parts = element.split(";");
                String coding = parts[0].trim();
                boolean zero = false;
                for (int p = 1; p < parts.length; p++) {
                    String param = parts[p].trim();
                    if (param.startsWith("q=") || param.startsWith("Q=")) {
                        try {
                            zero = Double.parseDouble(param.substring(2).trim()) <= 0;
                        } catch (NumberFormatException e) {
                            zero = true;
                        }
                    }
                }
                if (coding.equalsIgnoreCase("gzip") || coding.equalsIgnoreCase("x-gzip")) {
                    if (zero) {
                        return false;
                    }
                    gzip = true;
                } else if (coding.equals("*") && !zero) {
                    star = true;
                }
            }
        }
        return gzip || star;
    }

    @Override
    public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) throws Exception {
        if (!(msg instanceof HttpResponse response) || response.status().code() < 200) {
            ctx.write(msg, promise);
            return;
        }
        boolean accepted = pop();
        if (!(msg instanceof FullHttpResponse full) || !accepted) {
            ctx.write(msg, promise);
            return;
        }
        int code = full.status().code();
        HttpHeaders h = full.headers();
        Buffer body = full.content();
        if (code == 204 || code == 304 || body.readableBytes() < minBytes
                || h.contains(HttpHeaderNames.CONTENT_ENCODING)) {
            ctx.write(msg, promise);
            return;
        }
        Buffer compressed = compress(ctx, body.retain());
        full.release();
        h.remove(HttpHeaderNames.CONTENT_LENGTH);
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        h.addUnchecked(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.GZIP);
        h.addUnchecked(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(compressed.readableBytes()));
        if (!h.containsToken(HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING)) {
            h.addUnchecked(HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING);
        }
        ctx.write(new FullHttpResponse(full.version(), full.status(), h, compressed, full.trailersOrNull()),
                promise);
    }

    /** Runs {@code input} through the gzip encoder (which releases it) and returns the gzip member. */
    private Buffer compress(HandlerContext ctx, Buffer input) {
        Capture c = capture;
        if (c == null || c.real != ctx) {
            c = new Capture(ctx);
            capture = c;
        }
        try {
            gzip.write(c, input, null);
        } catch (RuntimeException e) {
            c.drop();
            throw e;
        }
        return c.take();
    }

    @Override
    public void handlerRemoved(HandlerContext ctx) {
        gzip.handlerRemoved(ctx);
    }

    private void push(boolean value) {
        if (size == accepts.length) {
            boolean[] bigger = new boolean[accepts.length << 1];
            for (int i = 0; i < size; i++) {
                bigger[i] = accepts[(first + i) & (accepts.length - 1)];
            }
            accepts = bigger;
            first = 0;
        }
        accepts[(first + size) & (accepts.length - 1)] = value;
        size++;
    }

    private boolean pop() {
        if (size == 0) {
            return false;
        }
        boolean value = accepts[first];
        first = (first + 1) & (accepts.length - 1);
        size--;
        return value;
    }

    /**
     * The context the gzip encoder writes into: allocation comes from the real channel, the one buffer written
     * is captured instead of travelling on. Only what {@link GzipEncoder#write} uses is supported.
     */
    private static final class Capture implements HandlerContext {
        final HandlerContext real;
        private Buffer captured;

        Capture(HandlerContext real) {
            this.real = real;
        }

        Buffer take() {
            Buffer b = captured;
            captured = null;
            if (b == null) {
                throw new IllegalStateException("gzip encoder produced no output");
            }
            return b;
        }

        void drop() {
            Buffer b = captured;
            captured = null;
            if (b != null) {
                b.release();
            }
        }

        @Override
        public void write(Object msg, CompletableFuture<Void> promise) {
            drop();
            captured = (Buffer) msg;
        }

        @Override
        public String name() {
            return real.name();
        }

        @Override
        public Handler handler() {
            return real.handler();
        }

        @Override
        public Channel channel() {
            return real.channel();
        }

        @Override
        public Pipeline pipeline() {
            return real.pipeline();
        }

        @Override
        public EventLoop loop() {
            return real.loop();
        }

        @Override
        public BufferAllocator alloc() {
            return real.alloc();
        }

        @Override
        public boolean isRemoved() {
            return real.isRemoved();
        }

        @Override
        public HandlerContext fireChannelActive() {
            throw unsupported();
        }

        @Override
        public HandlerContext fireChannelInactive() {
            throw unsupported();
        }

        @Override
        public HandlerContext fireChannelRead(Object msg) {
            throw unsupported();
        }

        @Override
        public HandlerContext fireChannelReadComplete() {
            throw unsupported();
        }

        @Override
        public HandlerContext fireWritabilityChanged() {
            throw unsupported();
        }

        @Override
        public HandlerContext fireUserEvent(Object event) {
            throw unsupported();
        }

        @Override
        public HandlerContext fireExceptionCaught(Throwable cause) {
            throw unsupported();
        }

        @Override
        public void flush() {
            throw unsupported();
        }

        @Override
        public void read() {
            throw unsupported();
        }

        @Override
        public void close(CompletableFuture<Void> promise) {
            throw unsupported();
        }

        @Override
        public void shutdownOutput(CompletableFuture<Void> promise) {
            throw unsupported();
        }

        private static UnsupportedOperationException unsupported() {
            return new UnsupportedOperationException("only write and alloc are available while compressing");
        }
    }
}
