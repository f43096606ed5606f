package io.weft.codec.http;

import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.codec.EncoderException;
import io.weft.pipeline.HandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * Encodes the outbound HTTP objects of one connection: a message head, then its body parts framed by the head's
 * headers (raw for content-length or close-delimited, chunked for {@code transfer-encoding: chunked}, nothing for
 * bodiless responses). Small bodies of full messages are copied behind the head so the whole message is one
 * buffer; large ones follow as their own buffer (no copy). Buffers and file regions written between a head and
 * its last part pass through untouched, so a {@code FileRegion} can carry a content-length body.
 */
final class HttpMessageEncoder {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = {'0', '\r', '\n'};
    private static final int COPY_THRESHOLD = 2048;

    private static final int INIT = 0;
    private static final int RAW = 1;
    private static final int CHUNKED = 2;
    private static final int NO_BODY = 3;

    /** Size of a batch buffer, and the largest message that is appended to one. */
    static final int BATCH_BYTES = 8192;
    private static final int MAX_BATCHED = 2048 + 512;

    private int state = INIT;
    private final boolean batching;
    /**
     * Complete small messages written without a promise, encoded back to back and not yet passed on: a read batch
     * of pipelined responses leaves as one buffer ({@link #drain} passes it on; at most {@link #BATCH_BYTES}).
     */
    private Buffer batch;

    /** An encoder that passes every message on as it is written. */
    HttpMessageEncoder() {
        this(false);
    }

    /**
     * @param batching whether complete small messages written without a promise are gathered into one buffer until
     *                 {@link #drain} (the owner drains before a flush and before anything else it writes)
     */
    HttpMessageEncoder(boolean batching) {
        this.batching = batching;
    }

    /** Passes on the gathered messages, so that whatever is written next follows them. */
    void drain(HandlerContext ctx) {
        Buffer b = batch;
        if (b != null) {
            batch = null;
            ctx.write(b, null);
        }
    }

    /** Releases the gathered messages (the connection is gone). */
    void discard() {
        Buffer b = batch;
        if (b != null) {
            batch = null;
            b.release();
        }
    }

    /** Writes {@code out} unless it is the batch, which stays until drained. */
    private void emit(HandlerContext ctx, Buffer out, CompletableFuture<Void> promise) {
        if (out != batch) {
            ctx.write(out, promise);
        }
    }

    boolean inMessage() {
        return state != INIT;
    }

    /**
     * Encodes {@code msg} (an {@link HttpObject}) and writes the result; the last buffer carries {@code promise}.
     *
     * @param bodyless the message being started has no body whatever its headers say (HEAD, 204, 304)
     */
    void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise, boolean bodyless) {
        if (msg instanceof HttpMessage head) {
            if (state != INIT) {
                ReferenceCounted.safeRelease(msg);
                throw new EncoderException("a new message head (" + msg + ") while the body of the previous "
                        + "message is still being written");
            }
            writeHead(ctx, head, promise, bodyless);
            return;
        }
        drain(ctx);
        if (msg instanceof HttpContent content) {
            if (state == INIT) {
                content.release();
                throw new EncoderException("a body part (" + msg + ") without a message head before it");
            }
            writeContent(ctx, content, promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    private void writeHead(HandlerContext ctx, HttpMessage head, CompletableFuture<Void> promise, boolean bodyless) {
        boolean interim = head instanceof HttpResponse r && r.status().isInformational()
                && r.status().code() != 101;
        int mode = bodyless || interim ? NO_BODY : head.isChunked() ? CHUNKED : RAW;
        Buffer body = head instanceof FullHttpRequest f ? f.content()
                : head instanceof FullHttpResponse f ? f.content() : null;
        HttpHeaders trailers = head instanceof FullHttpResponse f ? f.trailersOrNull()
                : head instanceof FullHttpRequest f ? f.trailers() : null;
        int bodyBytes = body == null || mode == NO_BODY ? 0 : body.readableBytes();
        int headLength;
        try {
            headLength = encodeHead(head);
        } catch (RuntimeException e) {
            ReferenceCounted.safeRelease(head);
            throw e;
        }
        boolean copyBody = body != null && bodyBytes <= COPY_THRESHOLD;
        int size = headLength + (copyBody ? bodyBytes : 0);
        Buffer out;
        if (batching && promise == null && copyBody && mode != CHUNKED && size <= MAX_BATCHED) {
            // A complete small message: appended to the batch (a new one when it is full).
            out = batch;
            if (out == null || out.writableBytes() < size) {
                drain(ctx);
                out = ctx.alloc().allocate(BATCH_BYTES);
                batch = out;
            }
        } else {
            drain(ctx);
            out = ctx.alloc().allocate(size + (copyBody ? 32 : 0));
        }
        // One bulk copy of the whole head (and a small body) into the outbound buffer.
        out.writeBytes(scratch, 0, headLength);
        releaseLargeScratch();
        if (body == null) {
            state = interim ? INIT : mode;
            ctx.write(out, promise);
            return;
        }
        // A full message: head, body and end in one go.
        state = INIT;
        if (mode == NO_BODY || bodyBytes == 0 && mode == RAW) {
            body.release();
            emit(ctx, out, promise);
            return;
        }
        if (mode == CHUNKED) {
            if (bodyBytes > 0) {
                writeChunkHeader(out, bodyBytes);
                if (copyBody) {
                    out.writeBytes(body);
                    body.release();
                } else {
                    ctx.write(out, null);
                    ctx.write(body, null);
                    out = ctx.alloc().allocate(64);
                }
                out.writeBytes(CRLF);
            } else {
                body.release();
            }
            writeLastChunk(out, trailers);
            ctx.write(out, promise);
            return;
        }
        if (copyBody) {
            out.writeBytes(body);
            body.release();
            emit(ctx, out, promise);
        } else {
            ctx.write(out, null);
            ctx.write(body, promise);
        }
    }

    private void writeContent(HandlerContext ctx, HttpContent content, CompletableFuture<Void> promise) {
        boolean last = content instanceof LastHttpContent;
        Buffer data = content.content();
        int length = content.readableBytes();
        int mode = state;
        if (last) {
            state = INIT;
        }
        switch (mode) {
            case RAW:
                if (length > 0) {
                    ctx.write(data, promise);
                } else {
                    content.release();
                    completeInOrder(ctx, promise);
                }
                return;
            case CHUNKED: {
                Buffer out = ctx.alloc().allocate(length > 0 && length <= COPY_THRESHOLD ? length + 64 : 64);
                if (length > 0) {
                    writeChunkHeader(out, length);
                    if (length <= COPY_THRESHOLD) {
                        out.writeBytes(data);
                        content.release();
                    } else {
                        ctx.write(out, null);
                        ctx.write(data, null);
                        out = ctx.alloc().allocate(64);
                    }
                    out.writeBytes(CRLF);
                } else {
                    content.release();
                }
                if (last) {
                    writeLastChunk(out, ((LastHttpContent) content).hasTrailers()
                            ? ((LastHttpContent) content).trailers() : null);
                }
                ctx.write(out, promise);
                return;
            }
            case NO_BODY:
            default:
                content.release();
                completeInOrder(ctx, promise);
        }
    }

    /** Completes {@code promise} once everything written before it is written: an empty buffer carries it. */
    private static void completeInOrder(HandlerContext ctx, CompletableFuture<Void> promise) {
        if (promise != null) {
            ctx.write(ctx.alloc().allocate(0), promise);
        }
    }

    /** How large the head scratch array starts, and the size it is cut back to after an unusually large head. */
    private static final int SCRATCH = 512;
    private static final int SCRATCH_KEPT = 16 * 1024;

    /** Where a head (or a trailer section) is assembled before one bulk copy into the outbound buffer. */
    private byte[] scratch = new byte[SCRATCH];

    /** Drops a scratch array grown for an unusually large head, so an idle connection holds at most 16 KiB. */
    private void releaseLargeScratch() {
        if (scratch.length > SCRATCH_KEPT) {
            scratch = new byte[SCRATCH];
        }
    }

    /** Writes the start line, the fields and the blank line of {@code head} into {@link #scratch}; returns its length. */
    private int encodeHead(HttpMessage head) {
        byte[] b = scratch;
        int n;
        if (head instanceof HttpResponse r) {
            byte[] line = r.status().statusLine();
            b = ensure(0, line.length);
            System.arraycopy(line, 0, b, 0, line.length);
            n = line.length;
        } else {
            HttpRequest req = (HttpRequest) head;
            byte[] method = req.method().bytes();
            byte[] version = req.version().bytes();
            String target = req.target();
            b = ensure(0, method.length + target.length() + version.length + 4);
            System.arraycopy(method, 0, b, 0, method.length);
            n = method.length;
            b[n++] = ' ';
            latin1(target, b, n);
            n += target.length();
            b[n++] = ' ';
            System.arraycopy(version, 0, b, n, version.length);
            n += version.length;
            b[n++] = '\r';
            b[n++] = '\n';
        }
        n = encodeFields(head.headers(), n);
        b = ensure(n, 2);
        b[n++] = '\r';
        b[n++] = '\n';
        return n;
    }

    /** Appends {@code name: value CRLF} for every field at {@code n} of {@link #scratch}; returns the new length. */
    private int encodeFields(HttpHeaders headers, int n) {
        String[] names = headers.names;
        String[] values = headers.values;
        for (int i = 0, size = headers.size(); i < size; i++) { // direct reads: size bounds both arrays
            String name = names[i];
            String value = values[i];
            int nl = name.length();
            int vl = value.length();
            byte[] b = ensure(n, nl + vl + 4);
            latin1(name, b, n);
            n += nl;
            b[n++] = ':';
            b[n++] = ' ';
            latin1(value, b, n);
            n += vl;
            b[n++] = '\r';
            b[n++] = '\n';
        }
        return n;
    }

    /** {@link #scratch}, grown if {@code more} bytes do not fit after the first {@code used}. */
    private byte[] ensure(int used, int more) {
        byte[] b = scratch;
        if (b.length - used < more) {
            b = java.util.Arrays.copyOf(b, Math.max(used + more, b.length << 1));
            scratch = b;
        }
        return b;
    }

    private void writeFields(Buffer out, HttpHeaders headers) {
        int n = encodeFields(headers, 0);
        out.writeBytes(scratch, 0, n);
        releaseLargeScratch();
    }

    /**
     * Copies the low byte of each character (the names and values were checked to be ISO-8859-1 when added):
     * the JDK's intrinsic for Latin-1 strings, no charset encoder and no allocation.
     */
    @SuppressWarnings("deprecation")
    private static void latin1(String s, byte[] dst, int offset) {
        s.getBytes(0, s.length(), dst, offset);
    }

    private static void writeChunkHeader(Buffer out, int length) {
        out.writeCharSequence(Integer.toHexString(length), StandardCharsets.US_ASCII);
        out.writeBytes(CRLF);
    }

    private void writeLastChunk(Buffer out, HttpHeaders trailers) {
        out.writeBytes(LAST_CHUNK);
        if (trailers != null) {
            writeFields(out, trailers);
        }
        out.writeBytes(CRLF);
    }

    /** Adds {@code content-length} to a full message that has neither it nor {@code transfer-encoding}. */
    static void addContentLengthIfMissing(HttpMessage msg, Buffer body) {
        HttpHeaders h = msg.headers();
        if (!h.hasFramingField()) {
            addContentLength(h, body);
        }
    }

    /** Adds {@code content-length} for {@code body}; the caller has checked that no framing field is there. */
    static void addContentLength(HttpHeaders h, Buffer body) {
        h.addUnchecked(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.readableBytes()));
    }
}
