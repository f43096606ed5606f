package io.weft.codec.http;

import io.weft.buffer.Buffer;
import io.weft.codec.ByteToMessageDecoder;
import io.weft.pipeline.HandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The HTTP/1.x message parser shared by {@link HttpRequestDecoder} and {@link HttpResponseDecoder}: a state
 * machine over the cumulated bytes that emits a message head, then body parts ({@link HttpContent}, each at most
 * {@link HttpDecoderConfig#maxChunkSize()} bytes, copied out of the read buffers) and exactly one
 * {@link LastHttpContent} per message. Header lines are parsed as they complete, so a large header section is
 * never re-scanned. Every limit of {@link HttpDecoderConfig} is enforced with a typed
 * {@link HttpDecoderException}.
 *
 * <p>Runs on the channel's loop; one instance per connection.
 */
public abstract class HttpObjectDecoder extends ByteToMessageDecoder {

    enum State {
        SKIP_CONTROL, INITIAL, HEADERS, BODY_FIXED, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, BODY_EOF, DISCARD
    }

    private static final boolean[] TOKEN = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true;
            TOKEN[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TOKEN[c] = true;
        }
    }

    final HttpDecoderConfig config;
    State state = State.SKIP_CONTROL;
    private byte[] line = new byte[256];
    private int lineLength;

    private HttpMessage message;
    private HttpHeaders headers;
    private HttpHeaders trailers;
    private int headerBytes;
    private long remaining;
    private long bodyBytes;

    HttpObjectDecoder(HttpDecoderConfig config) {
        super(maxCumulation(config));
        this.config = config;
    }

    private static int maxCumulation(HttpDecoderConfig config) {
        // A head is parsed line by line and bodies are emitted as they arrive, so what may pile up is one read
        // buffer plus one line; anything beyond these bounds is rejected by the parser before.
        long bound = (long) Math.max(config.maxInitialLineLength(), config.maxHeaderSize()) + config.maxChunkSize()
                + (4 << 20);
        return (int) Math.min(Integer.MAX_VALUE, bound);
    }

    static boolean isTokenChar(byte b) {
        return b >= 0 && TOKEN[b];
    }

    /** Parses the first line; returns the message head (with {@code headers}). */
    abstract HttpMessage parseInitialLine(byte[] line, int offset, int length, HttpHeaders headers);

    /** Whether lines longer than the limit are a {@link TooLongHttpLineException}; decides the message text. */
    abstract String initialLineName();

    /**
     * Decides how the body of {@code msg} is framed once its headers are complete.
     *
     * @return the content length, {@link #CHUNKED} or {@link #UNTIL_CLOSE}
     */
    abstract long bodyLength(HttpMessage msg);

    static final long CHUNKED = -1;
    static final long UNTIL_CLOSE = -2;

    /** Called when a message head has been decoded, before it is passed on. */
    void onMessage(HandlerContext ctx, HttpMessage msg) {
    }

    /** Called when the last part of a message has been decoded, before it is passed on. */
    void onMessageEnd(HandlerContext ctx) {
    }

    /**
     * Called for a decoding error. The default rethrows, so the base class releases, fires the exception and
     * closes. Subclasses that answer the error themselves return normally; the rest of the input is discarded.
     *
     * @param midMessage whether the head of the broken message was already passed on (the body was bad)
     */
    void onBadMessage(HandlerContext ctx, HttpDecoderException error, boolean midMessage) {
        throw error;
    }

    /** Ignores all further input (for a connection that is being closed). */
    final void discardInput() {
        state = State.DISCARD;
        releaseMessageState();
    }

    private void releaseMessageState() {
        message = null;
        headers = null;
        trailers = null;
    }

    @Override
    protected final void decode(HandlerContext ctx, Buffer in, List<Object> out) {
        try {
            decodeStep(ctx, in, out);
        } catch (HttpDecoderException e) {
            State was = state;
            boolean midMessage = was != State.SKIP_CONTROL && was != State.INITIAL && was != State.HEADERS
                    && was != State.DISCARD;
            state = State.DISCARD;
            releaseMessageState();
            in.skipBytes(in.readableBytes());
            onBadMessage(ctx, e, midMessage);
        }
    }

    private void decodeStep(HandlerContext ctx, Buffer in, List<Object> out) {
        switch (state) {
            case SKIP_CONTROL: {
                // RFC 9112 section 2.2: ignore at least one empty line before a request line.
                int r = in.readerIndex();
                int w = in.writerIndex();
                int skipped = 0;
                while (r < w && skipped < 8) {
                    byte b = in.getByte(r);
                    if (b != '\r' && b != '\n') {
                        break;
                    }
                    r++;
                    skipped++;
                }
                in.readerIndex(r);
                if (r == w) {
                    return;
                }
                state = State.INITIAL;
                lineLength = 0;
            }
            // fall through
            case INITIAL:
            case HEADERS:
                parseHead(ctx, in, out);
                return;
            case BODY_FIXED: {
                int n = (int) Math.min(Math.min(remaining, in.readableBytes()), config.maxChunkSize());
                if (n == 0) {
                    return;
                }
                Buffer part = in.readBytes(n);
                remaining -= n;
                if (remaining == 0) {
                    endMessage(ctx, out, new LastHttpContent(part));
                } else {
                    out.add(new HttpContent(part));
                }
                return;
            }
            case CHUNK_SIZE: {
                if (!readLine(in, 1024, false)) {
                    return;
                }
                long size = parseChunkSize();
                bodyBytes += size;
                if (bodyBytes > config.maxContentLength() || bodyBytes < 0) {
                    throw new TooLongHttpContentException("chunked body of at least " + bodyBytes
                            + " bytes exceeds the limit of " + config.maxContentLength());
                }
                if (size == 0) {
                    headerBytes = 0;
                    state = State.TRAILERS;
                } else {
                    remaining = size;
                    state = State.CHUNK_DATA;
                }
                return;
            }
            case CHUNK_DATA: {
                int n = (int) Math.min(Math.min(remaining, in.readableBytes()), config.maxChunkSize());
                if (n == 0) {
                    return;
                }
                out.add(new HttpContent(in.readBytes(n)));
                remaining -= n;
                if (remaining == 0) {
                    state = State.CHUNK_END;
                }
                return;
            }
            case CHUNK_END: {
                int r = in.readerIndex();
                if (in.readableBytes() < 1) {
                    return;
                }
                byte b = in.getByte(r);
                if (b == '\n') {
                    in.skipBytes(1);
                } else if (b == '\r') {
                    if (in.readableBytes() < 2) {
                        return;
                    }
                    if (in.getByte(r + 1) != '\n') {
                        throw new MalformedHttpException("chunk data not followed by CRLF");
                    }
                    in.skipBytes(2);
                } else {
                    throw new MalformedHttpException("chunk data longer than its chunk size (byte " + (b & 0xFF)
                            + " where CRLF was expected)");
                }
                state = State.CHUNK_SIZE;
                return;
            }
            case TRAILERS: {
                while (true) {
                    int before = in.readerIndex();
                    if (!readLine(in, config.maxHeaderSize() - headerBytes, false)) {
                        return;
                    }
                    headerBytes += in.readerIndex() - before;
                    if (lineLength == 0) {
                        HttpHeaders t = trailers;
                        trailers = null;
                        endMessage(ctx, out, t == null ? LastHttpContent.EMPTY : LastHttpContent.withTrailers(t));
                        return;
                    }
                    if (trailers == null) {
                        trailers = new HttpHeaders(4);
                    }
                    if (trailers.size() >= config.maxHeaderCount()) {
                        throw new TooLongHttpHeaderException("trailer section has more than the limit of "
                                + config.maxHeaderCount() + " fields");
                    }
                    parseHeaderLine(trailers, line, 0, lineLength);
                }
            }
            case BODY_EOF: {
                int n = Math.min(in.readableBytes(), config.maxChunkSize());
                if (n > 0) {
                    out.add(new HttpContent(in.readBytes(n)));
                }
                return;
            }
            case DISCARD:
            default:
                in.skipBytes(in.readableBytes());
        }
    }

    /** How many bytes of a head are copied out of the buffer at first; most request heads fit. */
    private static final int HEAD_WINDOW = 512;

    /**
     * Parses the request/status line and header lines: copies a window of the readable bytes into a heap array
     * once and parses every complete line in it, widening the window only for heads longer than it.
     */
    private void parseHead(HandlerContext ctx, Buffer in, List<Object> out) {
        int readable = in.readableBytes();
        int window = copyWindow(in, Math.min(readable, HEAD_WINDOW));
        byte[] b = line;
        int pos = 0;
        while (true) {
            boolean initial = state == State.INITIAL;
            int limit = initial ? config.maxInitialLineLength() : config.maxHeaderSize() - headerBytes;
            int lf = -1;
            for (int i = pos; i < window; i++) {
                if (b[i] == '\n') {
                    lf = i;
                    break;
                }
            }
            if (lf < 0) {
                int pending = readable - pos;
                if (window < readable && window - pos <= (long) limit + 1) {
                    window = copyWindow(in, (int) Math.min(readable, pos + (long) limit + 2));
                    b = line;
                    continue;
                }
                if (pending > (long) limit + 1) {
                    throw tooLong(Math.max(limit, 0), pending, initial);
                }
                break;
            }
            int end = lf > pos && b[lf - 1] == '\r' ? lf - 1 : lf;
            int length = end - pos;
            if (length > limit) {
                throw tooLong(Math.max(limit, 0), length, initial);
            }
            for (int i = pos; i < end; i++) {
                if (b[i] == '\r') {
                    throw new MalformedHttpException("bare CR at position " + (i - pos) + " of a line");
                }
            }
            if (initial) {
                headers = new HttpHeaders();
                message = parseInitialLine(b, pos, length, headers);
                headerBytes = 0;
                state = State.HEADERS;
            } else {
                headerBytes += lf + 1 - pos;
                if (length == 0) {
                    in.skipBytes(lf + 1);
                    headersDone(ctx, out);
                    return;
                }
                if (headers.size() >= config.maxHeaderCount()) {
                    throw new TooLongHttpHeaderException("header section has more than the limit of "
                            + config.maxHeaderCount() + " fields");
                }
                parseHeaderLine(headers, b, pos, length);
            }
            pos = lf + 1;
        }
        in.skipBytes(pos);
    }

    /** Copies the first {@code n} readable bytes of {@code in} into {@link #line}. */
    private int copyWindow(Buffer in, int n) {
        if (line.length < n) {
            line = new byte[Math.max(n, line.length << 1)];
        }
        in.getBytes(in.readerIndex(), line, 0, n);
        return n;
    }

    private void headersDone(HandlerContext ctx, List<Object> out) {
        HttpMessage msg = message;
        long length = bodyLength(msg);
        if (length > config.maxContentLength()) {
            throw new TooLongHttpContentException("content-length " + length + " exceeds the limit of "
                    + config.maxContentLength());
        }
        message = null;
        headers = null;
        bodyBytes = 0;
        onMessage(ctx, msg);
        out.add(msg);
        if (length == 0) {
            endMessage(ctx, out, LastHttpContent.EMPTY);
        } else if (length == CHUNKED) {
            state = State.CHUNK_SIZE;
        } else if (length == UNTIL_CLOSE) {
            state = State.BODY_EOF;
        } else {
            remaining = length;
            state = State.BODY_FIXED;
        }
    }

    private void endMessage(HandlerContext ctx, List<Object> out, LastHttpContent last) {
        finishMessage(ctx);
        out.add(last);
    }

    private void finishMessage(HandlerContext ctx) {
        state = State.SKIP_CONTROL;
        onMessageEnd(ctx);
    }

    /**
     * Reads one line ending in LF (an optional CR before it is dropped) into {@link #line}. Returns false if the
     * line is not complete yet.
     */
    private boolean readLine(Buffer in, int limit, boolean initial) {
        int start = in.readerIndex();
        int readable = in.readableBytes();
        // A line may take limit bytes plus its CRLF.
        int scan = (int) Math.min(readable, (long) Math.max(limit, 0) + 2);
        int lf = in.indexOf(start, start + scan, (byte) '\n');
        if (lf < 0) {
            if (readable > limit + 1) {
                throw tooLong(limit, readable, initial);
            }
            return false;
        }
        int end = lf;
        if (end > start && in.getByte(end - 1) == '\r') {
            end--;
        }
        int length = end - start;
        if (length > limit) {
            throw tooLong(limit, length, initial);
        }
        if (line.length < length) {
            line = new byte[Math.max(length, line.length << 1)];
        }
        in.getBytes(start, line, 0, length);
        lineLength = length;
        in.readerIndex(lf + 1);
        for (int i = 0; i < length; i++) {
            if (line[i] == '\r') {
                throw new MalformedHttpException("bare CR at position " + i + " of a line");
            }
        }
        return true;
    }

    private HttpDecoderException tooLong(int limit, int seen, boolean initial) {
        if (initial) {
            return new TooLongHttpLineException(initialLineName() + " of at least " + seen
                    + " bytes exceeds the limit of " + config.maxInitialLineLength());
        }
        if (state == State.CHUNK_SIZE) {
            return new MalformedHttpException("chunk size line of at least " + seen + " bytes exceeds the limit of "
                    + limit);
        }
        return new TooLongHttpHeaderException("header section of at least " + (headerBytes + seen)
                + " bytes exceeds the limit of " + config.maxHeaderSize());
    }

    private void parseHeaderLine(HttpHeaders target, byte[] b, int offset, int length) {
        if (b[offset] == ' ' || b[offset] == '\t') {
            throw new MalformedHttpException("obsolete line folding in the header section");
        }
        int colon = -1;
        int lineEnd = offset + length;
        for (int i = offset; i < lineEnd; i++) {
            byte c = b[i];
            if (c == ':') {
                colon = i;
                break;
            }
            if (!isTokenChar(c)) {
                if (c == ' ' || c == '\t') {
                    throw new MalformedHttpException("whitespace in or after a header name at position "
                            + (i - offset));
                }
                throw new MalformedHttpException("invalid character " + (c & 0xFF) + " in a header name");
            }
        }
        if (colon < 0) {
            throw new MalformedHttpException("header line of " + length + " bytes without a colon");
        }
        if (colon == offset) {
            throw new MalformedHttpException("header line with an empty name");
        }
        int s = colon + 1;
        int e = lineEnd;
        while (s < e && (b[s] == ' ' || b[s] == '\t')) {
            s++;
        }
        while (e > s && (b[e - 1] == ' ' || b[e - 1] == '\t')) {
            e--;
        }
        for (int i = s; i < e; i++) {
            byte c = b[i];
            if ((c >= 0 && c < 0x20 && c != '\t') || c == 0x7F) {
                throw new MalformedHttpException("control character " + c + " in the value of a header field");
            }
        }
        target.addUnchecked(headerName(b, offset, colon - offset), new String(b, s, e - s, StandardCharsets.ISO_8859_1));
    }

    private static final String[] COMMON_NAMES = {
        HttpHeaderNames.HOST, HttpHeaderNames.USER_AGENT, "accept", HttpHeaderNames.ACCEPT_ENCODING,
        "accept-language", HttpHeaderNames.CONNECTION, HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.CONTENT_TYPE,
        HttpHeaderNames.TRANSFER_ENCODING, "cookie", "cache-control", HttpHeaderNames.DATE, HttpHeaderNames.SERVER,
        HttpHeaderNames.EXPECT, "upgrade", "origin", "referer", "authorization", "if-none-match",
        "if-modified-since", HttpHeaderNames.CONTENT_ENCODING, HttpHeaderNames.VARY, "keep-alive",
    };

    /**
     * Common header names (matched ignoring case) are returned as the shared lower-case constants of
     * {@link HttpHeaderNames}: no allocation per field, and lookups with those constants match by identity.
     * Other names keep the spelling they arrived with.
     */
    private static String headerName(byte[] b, int offset, int length) {
        for (String name : COMMON_NAMES) {
            if (name.length() != length) {
                continue;
            }
            boolean same = true;
            for (int i = 0; i < length; i++) {
                int c = b[offset + i];
                if (c >= 'A' && c <= 'Z') {
                    c += 32;
                }
                if (c != name.charAt(i)) {
                    same = false;
                    break;
                }
            }
            if (same) {
                return name;
            }
        }
        return new String(b, offset, length, StandardCharsets.ISO_8859_1);
    }

    private long parseChunkSize() {
        byte[] b = line;
        int length = lineLength;
        long size = 0;
        int i = 0;
        while (i < length) {
            int digit = Character.digit(b[i], 16);
            if (digit < 0) {
                break;
            }
            if (i >= 15) {
                throw new MalformedHttpException("chunk size with more than 15 hex digits");
            }
            size = (size << 4) | digit;
            i++;
        }
        if (i == 0) {
            throw new MalformedHttpException("invalid chunk size line \"" + printable(b, length) + "\"");
        }
        int j = i;
        while (j < length && (b[j] == ' ' || b[j] == '\t')) {
            j++;
        }
        if (j < length && b[j] != ';') {
            throw new MalformedHttpException("invalid chunk size line \"" + printable(b, length) + "\"");
        }
        return size;
    }

    static String printable(byte[] b, int length) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(length, 64); i++) {
            int c = b[i] & 0xFF;
            sb.append(c >= 0x20 && c < 0x7F ? (char) c : '?');
        }
        if (length > 64) {
            sb.append("...");
        }
        return sb.toString();
    }

    /** Parses {@code HTTP/x.y}; 505 for a well-formed other version, 400 for garbage. */
    static HttpVersion parseVersion(byte[] b, int off, int len) {
        if (len == 8 && b[off] == 'H' && b[off + 1] == 'T' && b[off + 2] == 'T' && b[off + 3] == 'P'
                && b[off + 4] == '/' && isDigit(b[off + 5]) && b[off + 6] == '.' && isDigit(b[off + 7])) {
            int major = b[off + 5] - '0';
            int minor = b[off + 7] - '0';
            if (major == 1) {
                return minor == 0 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1;
            }
            throw new UnsupportedHttpVersionException("HTTP version " + major + "." + minor
                    + " is not supported (only 1.0 and 1.1)");
        }
        throw new MalformedHttpException("invalid HTTP version \"" + printable(copy(b, off, len), len) + "\"");
    }

    private static byte[] copy(byte[] b, int off, int len) {
        return java.util.Arrays.copyOfRange(b, off, off + len);
    }

    static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    /**
     * Parses the content-length values: all occurrences (and comma-separated elements) must be the same
     * non-negative decimal.
     */
    static long parseContentLength(HttpHeaders headers) {
        long length = -1;
        for (int i = 0; i < headers.size(); i++) {
            if (!HttpHeaders.sameName(headers.nameAt(i), HttpHeaderNames.CONTENT_LENGTH)) {
                continue;
            }
            String value = headers.valueAt(i);
            for (String element : value.split(",", -1)) {
                String v = element.trim();
                if (v.isEmpty() || v.length() > 18) {
                    throw invalidContentLength(value);
                }
                long n = 0;
                for (int k = 0; k < v.length(); k++) {
                    char c = v.charAt(k);
                    if (c < '0' || c > '9') {
                        throw invalidContentLength(value);
                    }
                    n = n * 10 + (c - '0');
                }
                if (length >= 0 && n != length) {
                    throw new HttpRequestSmugglingException("conflicting content-length values " + length
                            + " and " + n);
                }
                length = n;
            }
        }
        return length;
    }

    private static HttpRequestSmugglingException invalidContentLength(String value) {
        return new HttpRequestSmugglingException("invalid content-length \""
                + printable(value.getBytes(StandardCharsets.ISO_8859_1), value.length()) + "\"");
    }

    /**
     * Whether {@code chunked} is the final transfer coding. Throws for a chunked that is not last or appears
     * twice; {@code request} decides whether other codings are an error (requests) or mean read-until-close.
     *
     * @return true if chunked is final; false if a transfer coding other than chunked is final
     */
    static boolean chunkedIsFinal(HttpHeaders headers, boolean request) {
        int chunkedAt = -1;
        int count = 0;
        String last = null;
        for (int i = 0; i < headers.size(); i++) {
            if (!HttpHeaders.sameName(headers.nameAt(i), HttpHeaderNames.TRANSFER_ENCODING)) {
                continue;
            }
            for (String element : headers.valueAt(i).split(",", -1)) {
                String coding = element.trim();
                if (coding.isEmpty()) {
                    continue;
                }
                if (chunkedAt >= 0) {
                    throw new HttpRequestSmugglingException("transfer coding \"" + coding + "\" after chunked");
                }
                if (coding.equalsIgnoreCase(HttpHeaderValues.CHUNKED)) {
                    chunkedAt = count;
                } else if (request) {
                    throw new HttpDecoderException(HttpResponseStatus.NOT_IMPLEMENTED,
                            "transfer coding \"" + coding + "\" is not supported (only chunked)");
                }
                last = coding;
                count++;
            }
        }
        if (last == null) {
            throw new HttpRequestSmugglingException("empty transfer-encoding");
        }
        return chunkedAt >= 0;
    }

    @Override
    protected void decodeLast(HandlerContext ctx, Buffer in, List<Object> out) throws Exception {
        if (state == State.BODY_EOF) {
            while (in.isReadable()) {
                decodeStep(ctx, in, out);
            }
            endMessage(ctx, out, LastHttpContent.EMPTY);
            return;
        }
        decode(ctx, in, out);
    }

    @Override
    public void channelInactive(HandlerContext ctx) throws Exception {
        if (bufferedBytes() == 0) {
            if (state == State.BODY_EOF) {
                finishMessage(ctx);
                ctx.fireChannelRead(LastHttpContent.EMPTY);
            } else if (state != State.SKIP_CONTROL && state != State.DISCARD) {
                State was = state;
                state = State.DISCARD;
                releaseMessageState();
                ctx.fireExceptionCaught(new MalformedHttpException(
                        "connection closed in the middle of a message (while in state " + was + ")"));
            }
        }
        super.channelInactive(ctx);
    }
}
