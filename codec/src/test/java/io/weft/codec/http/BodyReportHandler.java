package io.weft.codec.http;

import io.weft.buffer.Buffer;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;

/**
 * Test server handler on the streaming API: answers every request with
 * {@code <method> <target> bytes=<n> parts=<p> crc=<crc32>} describing the body it received, counting the
 * {@link HttpContent} messages the body arrived in.
 */
final class BodyReportHandler implements Handler {

    static final AtomicInteger CONNECTIONS = new AtomicInteger();

    private HttpRequest request;
    private final CRC32 crc = new CRC32();
    private long bytes;
    private int parts;

    @Override
    public void channelActive(HandlerContext ctx) {
        CONNECTIONS.incrementAndGet();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(HandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest r) {
            request = r;
            crc.reset();
            bytes = 0;
            parts = 0;
            return;
        }
        if (msg instanceof HttpContent content) {
            try {
                Buffer b = content.content();
                if (b != null && b.isReadable()) {
                    byte[] data = new byte[b.readableBytes()];
                    b.getBytes(b.readerIndex(), data, 0, data.length);
                    crc.update(data);
                    bytes += data.length;
                    parts++;
                }
            } finally {
                content.release();
            }
            if (msg instanceof LastHttpContent) {
                String text = request.method() + " " + request.target() + " bytes=" + bytes + " parts=" + parts
                        + " crc=" + Long.toHexString(crc.getValue());
                FullHttpResponse response = new FullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        ctx.alloc().copyOf(text, StandardCharsets.US_ASCII));
                response.headers().add(HttpHeaderNames.CONTENT_TYPE, "text/plain");
                ctx.write(response);
                request = null;
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(HandlerContext ctx) {
        ctx.flush();
    }

    static String crcOf(byte[] body) {
        CRC32 c = new CRC32();
        c.update(body);
        return Long.toHexString(c.getValue());
    }
}
