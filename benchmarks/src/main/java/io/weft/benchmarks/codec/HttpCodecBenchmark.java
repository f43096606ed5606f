package io.weft.benchmarks.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.util.ReferenceCountUtil;
import io.weft.buffer.Buffer;
import io.weft.buffer.PooledAllocator;
import io.weft.buffer.ReferenceCounted;
import io.weft.codec.http.FullHttpResponse;
import io.weft.codec.http.HttpDate;
import io.weft.codec.http.HttpDecoderConfig;
import io.weft.codec.http.HttpHeaderNames;
import io.weft.codec.http.HttpHeaders;
import io.weft.codec.http.HttpMethod;
import io.weft.codec.http.HttpRequest;
import io.weft.codec.http.HttpResponseStatus;
import io.weft.codec.http.HttpServerCodec;
import io.weft.codec.http.HttpServerConfig;
import io.weft.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The HTTP/1.1 server codec in memory, as the pipelined {@code wrk} load drives it: one operation feeds one read of
 * {@value #DEPTH} pipelined {@code GET /plaintext} requests (the headers a load generator or a plain client sends:
 * host, user-agent, accept, connection; {@code heads}: all the same, or each with its own query and request id,
 * see {@link #batch}) in a fresh pooled direct buffer, decodes them, answers each with the
 * hello-world response of {@code HttpHelloServer} ({@code content-type}, {@code content-length}, {@code server},
 * {@code date}, a 13-byte body) and encodes the answers; the encoded bytes are counted and released.
 *
 * <ul>
 *   <li>{@code weftPipelined}: Weft's {@link HttpServerCodec} (decoder, keep-alive, framing and encoder in one
 *       stage) driven through {@link DirectContext}.</li>
 *   <li>{@code nettyPipelined}: Netty's {@link io.netty.handler.codec.http.HttpServerCodec} with
 *       {@link HttpServerKeepAliveHandler} (the idiomatic pipeline doing the same job) in an
 *       {@link EmbeddedChannel}.</li>
 * </ul>
 * The two responders build the same response the way each API is used. Setup runs one operation per side and
 * checks that {@value #DEPTH} requests were decoded and that the bytes written are {@value #DEPTH} well-formed
 * responses with the expected fields and body.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dweft.leakDetection=off", "-Dio.netty.leakDetection.level=disabled",
        "-Xms1g", "-Xmx1g"})
public class HttpCodecBenchmark {

    static final int DEPTH = 16;
    static final byte[] BODY = "Hello, World!".getBytes(StandardCharsets.US_ASCII);
    static final String REQUEST = "GET /plaintext HTTP/1.1\r\n"
            + "Host: 127.0.0.1:8080\r\n"
            + "User-Agent: wrk/4.2.0\r\n"
            + "Accept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7\r\n"
            + "Connection: keep-alive\r\n"
            + "\r\n";

    /**
     * The read fed per operation. {@code same}: {@value #DEPTH} copies of {@link #REQUEST}, as wrk sends them.
     * {@code distinct}: each request of the batch has its own query and {@code x-request-id}, so no head equals
     * the one before it (only host, user-agent, accept and connection repeat), as a browser's or a proxy's would.
     */
    static byte[] batch(String heads) {
        if (heads.equals("same")) {
            return REQUEST.repeat(DEPTH).getBytes(StandardCharsets.US_ASCII);
        }
        if (!heads.equals("distinct")) {
            throw new IllegalArgumentException("heads must be same or distinct, was " + heads);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < DEPTH; i++) {
            sb.append(REQUEST.replace("GET /plaintext HTTP/1.1\r\n",
                    "GET /plaintext?n=" + i + " HTTP/1.1\r\nX-Request-Id: 7f3a" + (1000 + i) + "\r\n"));
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Counts the requests the responder saw and the bytes written. */
    static final class Tally {
        int requests;
        long bytes;
        ByteArrayOutputStream check;
    }

    /** Weft's server codec with a responder behind it. */
    @State(Scope.Thread)
    public static class Weft {
        @Param({"same", "distinct"})
        public String heads;
        byte[] batch;
        IdleChannel idle;
        final Tally tally = new Tally();
        HttpServerCodec codec;
        DirectContext ctx;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            batch = batch(heads);
            idle = new IdleChannel();
            // The default timeouts (their clock reads are part of the cost); no cap on requests per connection,
            // which would otherwise close this one after 100,000 requests. The codec's timer first runs on the idle
            // channel's loop after 30 s and only reschedules itself (the connection is never idle that long).
            codec = new HttpServerCodec(HttpDecoderConfig.DEFAULT,
                    HttpServerConfig.DEFAULT.withMaxRequestsPerConnection(Integer.MAX_VALUE));
            ctx = new DirectContext(codec, idle.channel, this::respond, this::written);
            codec.handlerAdded(ctx);
            tally.check = new ByteArrayOutputStream();
            feed(this);
            verify("Weft", tally);
        }

        private void respond(Object msg) {
            if (msg instanceof HttpRequest request) {
                tally.requests++;
                if (request.method() != HttpMethod.GET || !request.path().equals("/plaintext")) {
                    throw new IllegalStateException("unexpected request " + request);
                }
                Buffer content = ctx.alloc().allocate(BODY.length).writeBytes(BODY);
                FullHttpResponse response = new FullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        content);
                HttpHeaders h = response.headers();
                h.add(HttpHeaderNames.CONTENT_TYPE, "text/plain");
                h.add(HttpHeaderNames.CONTENT_LENGTH, BODY.length);
                h.add(HttpHeaderNames.SERVER, "weft");
                // date: added by the codec, as in HttpHelloServer (Netty's responder adds its own)
                try {
                    codec.write(ctx, response, null);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            ReferenceCounted.safeRelease(msg);
        }

        private void written(Object msg) {
            Buffer b = (Buffer) msg;
            tally.bytes += b.readableBytes();
            if (tally.check != null) {
                byte[] copy = new byte[b.readableBytes()];
                b.getBytes(b.readerIndex(), copy, 0, copy.length);
                tally.check.writeBytes(copy);
            }
            b.release();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            idle.close();
        }
    }

    /** Netty's server codec and keep-alive handler with the same responder behind them. */
    @State(Scope.Thread)
    public static class Netty {
        @Param({"same", "distinct"})
        public String heads;
        byte[] batch;
        final Tally tally = new Tally();
        EmbeddedChannel channel;

        @Setup(Level.Trial)
        public void setUp() {
            batch = batch(heads);
            channel = new EmbeddedChannel(new io.netty.handler.codec.http.HttpServerCodec(),
                    new HttpServerKeepAliveHandler(), new Responder(tally));
            tally.check = new ByteArrayOutputStream();
            feed(this);
            verify("Netty", tally);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            channel.finishAndReleaseAll();
        }
    }

    /** The path of {@code uri} (before its query), as Weft's {@code HttpRequest.path()} gives it. */
    static String path(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    /** The Netty twin of {@link Weft#respond}. */
    static final class Responder extends ChannelInboundHandlerAdapter {
        private final Tally tally;

        Responder(Tally tally) {
            this.tally = tally;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof io.netty.handler.codec.http.HttpRequest request) {
                tally.requests++;
                if (request.method() != io.netty.handler.codec.http.HttpMethod.GET
                        || !path(request.uri()).equals("/plaintext")) {
                    throw new IllegalStateException("unexpected request " + request);
                }
                ByteBuf content = ctx.alloc().buffer(BODY.length).writeBytes(BODY);
                io.netty.handler.codec.http.FullHttpResponse response = new DefaultFullHttpResponse(
                        io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                        io.netty.handler.codec.http.HttpResponseStatus.OK, content, false);
                io.netty.handler.codec.http.HttpHeaders h = response.headers();
                h.add(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_TYPE, "text/plain");
                h.add(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_LENGTH, BODY.length);
                h.add(io.netty.handler.codec.http.HttpHeaderNames.SERVER, "nety");
                h.add(io.netty.handler.codec.http.HttpHeaderNames.DATE, HttpDate.now());
                ctx.write(response);
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }

    static long feed(Weft weft) throws Exception {
        weft.tally.requests = 0;
        weft.tally.bytes = 0;
        Buffer in = PooledAllocator.DEFAULT.allocate(weft.batch.length);
        in.writeBytes(weft.batch);
        weft.codec.channelRead(weft.ctx, in);
        weft.codec.channelReadComplete(weft.ctx);
        weft.codec.flush(weft.ctx); // the application's flush per read batch, as in HttpHelloServer
        return answered(weft.tally);
    }

    static long feed(Netty netty) {
        Tally tally = netty.tally;
        tally.requests = 0;
        tally.bytes = 0;
        ByteBuf in = PooledByteBufAllocator.DEFAULT.directBuffer(netty.batch.length);
        in.writeBytes(netty.batch);
        netty.channel.writeInbound(in);
        for (Object out; (out = netty.channel.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) out;
            tally.bytes += b.readableBytes();
            if (tally.check != null) {
                byte[] copy = new byte[b.readableBytes()];
                b.getBytes(b.readerIndex(), copy);
                tally.check.writeBytes(copy);
            }
            b.release();
        }
        return answered(tally);
    }

    /** The bytes written; fails unless every request of the batch was answered (a benchmark that stops working). */
    private static long answered(Tally tally) {
        if (tally.requests != DEPTH || tally.bytes == 0) {
            throw new IllegalStateException(tally.requests + " requests answered with " + tally.bytes + " bytes");
        }
        return tally.bytes;
    }

    /** {@value #DEPTH} requests seen, and the output is {@value #DEPTH} complete hello-world responses. */
    static void verify(String side, Tally tally) {
        String out = tally.check.toString(StandardCharsets.ISO_8859_1);
        tally.check = null;
        if (tally.requests != DEPTH) {
            throw new IllegalStateException(side + " decoded " + tally.requests + " requests, not " + DEPTH);
        }
        String[] responses = out.split("(?=HTTP/1\\.1 )");
        if (responses.length != DEPTH) {
            throw new IllegalStateException(side + " wrote " + responses.length + " responses: " + out);
        }
        for (String r : responses) {
            String lower = r.toLowerCase(java.util.Locale.ROOT);
            if (!r.startsWith("HTTP/1.1 200 OK\r\n") || !r.endsWith("\r\n\r\nHello, World!")
                    || !lower.contains("\r\ncontent-length: 13\r\n") || !lower.contains("\r\ncontent-type: text/plain\r\n")
                    || !lower.matches("(?s).*\r\ndate: [a-z]{3}, \\d\\d [a-z]{3} \\d{4} \\d\\d:\\d\\d:\\d\\d gmt\r\n.*")) {
                throw new IllegalStateException(side + " wrote an unexpected response: " + r);
            }
        }
    }

    @Benchmark
    public long weftPipelined(Weft weft) throws Exception {
        return feed(weft);
    }

    @Benchmark
    public long nettyPipelined(Netty netty) {
        return feed(netty);
    }
}
