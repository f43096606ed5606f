package io.weft.codec.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.EmbeddedChannel;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Small complete responses written without a promise leave the server codec as one buffer per flush; anything
 * else written in between (a raw buffer, a response with a promise, an interim response) keeps its place.
 */
class HttpServerCodecBatchingTest {

    private static final String GET = "GET /%d HTTP/1.1\r\nHost: x\r\n\r\n";

    /** Answers each request with its target as the body; flushes once per read batch. */
    private static final class Answerer implements Handler {
        private final boolean rawBetween;

        Answerer(boolean rawBetween) {
            this.rawBetween = rawBetween;
        }

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request) {
                byte[] body = request.target().getBytes(StandardCharsets.US_ASCII);
                FullHttpResponse response = new FullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        ctx.alloc().allocate(body.length).writeBytes(body));
                if (request.target().equals("/1") && rawBetween) {
                    ctx.write(response, new CompletableFuture<>());
                    ctx.write(ctx.alloc().copyOf("<raw>".getBytes(StandardCharsets.US_ASCII)));
                } else {
                    ctx.write(response);
                }
            }
            ReferenceCounted.safeRelease(msg);
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
            ctx.flush();
        }
    }

    private static byte[] pipelined(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(String.format(GET, i));
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static String bodies(String out) {
        StringBuilder sb = new StringBuilder();
        for (String part : out.split("HTTP/1\\.1 200 OK\r\n", -1)) {
            int blank = part.indexOf("\r\n\r\n");
            sb.append(blank < 0 ? part : part.substring(blank + 4)).append('|');
        }
        return sb.toString();
    }

    @Test
    void pipelinedResponsesLeaveAsOneBufferPerFlush() {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(), new Answerer(false));
        ch.writeInboundBytes(pipelined(16));
        assertEquals(1, ch.outboundMessages().size(), "one buffer for the whole read batch");
        Buffer out = ch.readOutbound();
        String text = out.toString(StandardCharsets.ISO_8859_1);
        out.release();
        assertEquals("|/0|/1|/2|/3|/4|/5|/6|/7|/8|/9|/10|/11|/12|/13|/14|/15|", bodies(text));
        ch.finishAndReleaseAll();
    }

    @Test
    void aBatchIsBoundedAndContinuesInANewBuffer() {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(HttpDecoderConfig.DEFAULT,
                HttpServerConfig.DEFAULT.withMaxPendingResponses(1000)), new Answerer(false));
        int n = 200; // about 90 bytes each: more than one batch buffer
        ch.writeInboundBytes(pipelined(n));
        int buffers = ch.outboundMessages().size();
        StringBuilder text = new StringBuilder();
        for (Buffer b; (b = ch.readOutbound()) != null; ) {
            assertTrue(b.readableBytes() <= HttpMessageEncoder.BATCH_BYTES, "bounded: " + b.readableBytes());
            text.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        assertTrue(buffers > 1 && buffers < n / 10, "buffers: " + buffers);
        StringBuilder expected = new StringBuilder("|");
        for (int i = 0; i < n; i++) {
            expected.append('/').append(i).append('|');
        }
        assertEquals(expected.toString(), bodies(text.toString()));
        ch.finishAndReleaseAll();
    }

    @Test
    void writesWithAPromiseAndRawBuffersKeepTheirPlace() {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(), new Answerer(true));
        ch.writeInboundBytes(pipelined(3));
        StringBuilder text = new StringBuilder();
        for (Buffer b; (b = ch.readOutbound()) != null; ) {
            text.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        assertEquals("|/0|/1<raw>|/2|", bodies(text.toString()));
        ch.finishAndReleaseAll();
    }

    @Test
    void closingWithoutAFlushReleasesTheBatch() {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(), new Handler() {
            @Override
            public void channelRead(HandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest) {
                    ctx.write(new FullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            ctx.alloc().allocate(2).writeBytes(new byte[] {'o', 'k'})));
                }
                ReferenceCounted.safeRelease(msg);
            }
        });
        ch.writeInboundBytes(pipelined(2));
        ch.close();
        ch.finishAndReleaseAll(); // the strict leak detector fails the test if the batch leaked
    }
}
