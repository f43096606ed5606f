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

    private static final boolean[] TOKEN = AsciiTables.alphanumericAnd("!#$%&'*+-.^_`|~");

    final HttpDecoderConfig config;
    State state = State.SKIP_CONTROL;
    /** Bytes arrived after {@link #discardInput()} and were dropped. */
    private boolean discarded;

    /**
     * The line reader. While a head, a chunk-size line or a trailer section is parsed, {@code line[0, lineFill)}
     * is a copy of the first {@code lineFill} readable bytes of the input (peeked, not consumed), so bytes that
     * arrive one at a time are copied and scanned once each, never again on the next read. {@code lineStart} is
     * where the line being parsed starts, {@code lineScanned} how far it has been searched for its LF.
     */
    private byte[] line = new byte[512];
    private int lineFill;
    private int lineStart;
    private int lineScanned;
    /** Bytes copied into the line reader since this decoder was created (tests check that it stays linear). */
    long lineBytesCopied;

    private HttpMessage message;
    private HttpHeaders headers;
    private HttpHeaders trailers;
    private int headerBytes;
    private int emptyLinesSkipped;
    private long remaining;
    private long bodyBytes;
    private int chunkExtensionBytes;

    HttpObjectDecoder(HttpDecoderConfig config) {
        super(maxCumulation(config));
        this.config = config;
    }

    private static int maxCumulation(HttpDecoderConfig config) {
        // A head is parsed line by line and bodies are emitted as they arrive, so what may pile up is one line plus
        // the reads of a batch; the server codec pausing (bounded pipelining) may leave one batch buffered while
        // the rest of the batch (16 reads of at most RECEIVE_BUFFER_MAX, 64 KiB by default) still arrives; 8 MiB
        // leaves room for two batches of reads of up to 256 KiB.
        long bound = (long) Math.max(config.maxInitialLineLength(), config.maxHeaderSize()) + config.maxChunkSize()
                + (8 << 20);
        return (int) Math.min(Integer.MAX_VALUE, bound);
    }

    static boolean isTokenChar(byte b) {
        return b >= 0 && TOKEN[b];
    }

    /** Parses the first line; returns the message head (with {@code headers}). */
    abstract HttpMessage parseInitialLine(byte[] line, int offset, int length, HttpHeaders headers);

    /**
     * A new message head for a head equal byte for byte to the last one remembered (see {@link #rememberHead}), with
     * {@code headers}; or null when the initial line parsed last is not kept. The default keeps none.
     */
    HttpMessage repeatInitialLine(HttpHeaders headers) {
        return null;
    }

    /** Whether the initial line parsed last is kept, so that {@link #repeatInitialLine} can repeat it. */
    boolean initialLineKept() {
        return false;
    }

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

    /**
     * Called before a new message is started; returning false leaves the input buffered and undecoded (the server
     * codec pauses this way while too many responses are pending). Decoding continues at the next read, which
     * the subclass arranges when it resumes.
     */
    boolean mayStartMessage(HandlerContext ctx) {
        return true;
    }

    /** Checks the value {@code b[from, to)} of a {@code host} field as it is parsed; requests override it. */
    void checkHost(byte[] b, int from, int to) {
    }

    /** Called when the first byte of a new message head has been seen. */
    void onHeadStart() {
    }

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

    /** Whether bytes arrived (and were dropped) after {@link #discardInput()}. */
    final boolean discardedInput() {
        return discarded;
    }

    /** Whether the decoder is inside a message head (some of its bytes have arrived, not all). */
    final boolean inHead() {
        return state == State.INITIAL || state == State.HEADERS;
    }

    /** Whether the decoder is inside a message body (the head was passed on, the last part not yet). */
    final boolean inBody() {
        return state != State.SKIP_CONTROL && state != State.INITIAL && state != State.HEADERS
                && state != State.DISCARD;
    }

    /** Whether nothing of a next message has arrived. */
    final boolean betweenMessages() {
        return state == State.SKIP_CONTROL && bufferedBytes() == 0;
    }

    /**
     * Fails the message being decoded from outside {@link #decode} (a timeout): as if the input had been bad, so
     * {@link #onBadMessage} decides what to answer.
     */
    final void failDecoding(HandlerContext ctx, HttpDecoderException error) {
        boolean midMessage = inBody();
        state = State.DISCARD;
        releaseMessageState();
        onBadMessage(ctx, error, midMessage);
    }

    private void releaseMessageState() {
        message = null;
        headers = null;
        trailers = null;
        lineFill = 0;
        lineStart = 0;
        lineScanned = 0;
    }

    @Override
    protected final void decode(HandlerContext ctx, Buffer in, List<Object> out) {
        try {
            decodeStep(ctx, in, out);
        } catch (HttpDecoderException e) {
            boolean midMessage = inBody();
            state = State.DISCARD;
            releaseMessageState();
            in.skipBytes(in.readableBytes());
            onBadMessage(ctx, e, midMessage);
        }
    }

    private void decodeStep(HandlerContext ctx, Buffer in, List<Object> out) {
        switch (state) {
            case SKIP_CONTROL: {
                if (!mayStartMessage(ctx)) {
                    return;
                }
                // RFC 9112 section 2.2: ignore at least one empty line before a request line (we allow a few).
                int r = in.readerIndex();
                int w = in.writerIndex();
                while (r < w && emptyLinesSkipped < 8) {
                    byte b = in.getByte(r);
                    if (b != '\r' && b != '\n') {
                        break;
                    }
                    r++;
                    emptyLinesSkipped++;
                }
                in.readerIndex(r);
                if (r == w) {
                    return;
                }
                state = State.INITIAL;
                lineFill = 0;
                lineStart = 0;
                lineScanned = 0;
                headStart = 0;
                onHeadStart();
                if (repeatHead(ctx, in, out)) {
                    return;
                }
            }
            // fall through
            case INITIAL:
            case HEADERS:
            case TRAILERS:
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
                // chunk-size [ chunk-ext ] CRLF, at most 16 hex digits plus what is left of the extension budget.
                int limit = 16 + Math.max(0, config.maxChunkExtensionLength() - chunkExtensionBytes);
                int lf = nextLine(in, limit + 2);
                if (lf < 0) {
                    if (lineFill - lineStart > limit + 1) {
                        throw new MalformedHttpException("chunk size line of at least " + (lineFill - lineStart)
                                + " bytes exceeds the limit of " + limit + " (chunk extensions are limited to "
                                + config.maxChunkExtensionLength() + " bytes per body)");
                    }
                    compactLine(in);
                    return;
                }
                if (lf == lineStart || line[lf - 1] != '\r') {
                    throw new MalformedHttpException("chunk size line not ended by CRLF (a bare LF)");
                }
                long size = parseChunkLine(line, lineStart, lf - 1);
                lineStart = lf + 1;
                leaveLineMode(in);
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
                // chunk-data CRLF: exactly CRLF (no bare LF, no bare CR).
                int r = in.readerIndex();
                if (in.readableBytes() < 1) {
                    return;
                }
                byte b = in.getByte(r);
                if (b != '\r') {
                    throw new MalformedHttpException(b == '\n' ? "chunk data followed by a bare LF instead of CRLF"
                            : "chunk data longer than its chunk size (byte " + (b & 0xFF)
                            + " where CRLF was expected)");
                }
                if (in.readableBytes() < 2) {
                    return;
                }
                if (in.getByte(r + 1) != '\n') {
                    throw new MalformedHttpException("chunk data followed by a bare CR instead of CRLF");
                }
                in.skipBytes(2);
                state = State.CHUNK_SIZE;
                return;
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
                if (in.isReadable()) {
                    discarded = true;
                }
                in.skipBytes(in.readableBytes());
        }
    }

    /** How many bytes the line reader copies at a time; most request heads fit in one go. */
    private static final int COPY_CHUNK = 512;

    /**
     * Finds the LF ending the line that starts at {@link #lineStart}, copying more input into {@link #line} as
     * needed (each input byte is copied and scanned once). Returns its index in {@link #line}, or -1 when the
     * input has no LF yet or the partial line already exceeds {@code maxBytes}.
     */
    private int nextLine(Buffer in, int maxBytes) {
        while (true) {
            byte[] b = line;
            int fill = lineFill;
            int lf = AsciiTables.indexOf(b, lineScanned, fill, (byte) '\n');
            if (lf >= 0) {
                lineScanned = lf;
                return lf;
            }
            lineScanned = fill;
            int available = in.readableBytes() - fill;
            if (available <= 0 || fill - lineStart > maxBytes) {
                return -1;
            }
            if (lineStart > 0 && fill + COPY_CHUNK > b.length) {
                compactLine(in);
                fill = lineFill;
            }
            int n = Math.min(available, COPY_CHUNK);
            if (fill + n > line.length) {
                line = java.util.Arrays.copyOf(line, Math.max(fill + n, line.length << 1));
            }
            in.getBytes(in.readerIndex() + fill, line, fill, n);
            lineFill = fill + n;
            lineBytesCopied += n;
        }
    }

    /** Consumes the parsed lines from the input; the partial line moves to the front of {@link #line}. */
    private void compactLine(Buffer in) {
        int start = lineStart;
        if (start == 0) {
            return;
        }
        headStart = -1; // the start of the head is gone from the line reader: not remembered
        in.skipBytes(start);
        System.arraycopy(line, start, line, 0, lineFill - start);
        lineFill -= start;
        lineScanned -= start;
        lineStart = 0;
    }

    /** Consumes the parsed lines; the bytes copied beyond them stay in the input for the body states. */
    private void leaveLineMode(Buffer in) {
        in.skipBytes(lineStart);
        lineFill = 0;
        lineStart = 0;
        lineScanned = 0;
    }

    /**
     * Parses the request/status line and header lines (or the trailer lines of a chunked body) as they complete.
     * Line terminators: CRLF, or a bare LF in a head (RFC 9112 section 2.2 allows a recipient to accept it); a
     * trailer section is part of the chunked framing and takes CRLF only. A bare CR anywhere is an error.
     */
    private void parseHead(HandlerContext ctx, Buffer in, List<Object> out) {
        while (true) {
            boolean initial = state == State.INITIAL;
            boolean trailer = state == State.TRAILERS;
            int budget = initial ? config.maxInitialLineLength() : config.maxHeaderSize() - headerBytes;
            int lf = nextLine(in, budget + 2);
            byte[] b = line;
            int start = lineStart;
            if (lf < 0) {
                int partial = lineFill - start;
                if (initial) {
                    if (partial > budget + 1) {
                        throw tooLong(budget, partial, true);
                    }
                } else if (partial > 1 && headerBytes + partial + 1 > config.maxHeaderSize()) {
                    throw tooLong(budget, partial, false);
                }
                compactLine(in);
                return;
            }
            boolean crlf = lf > start && b[lf - 1] == '\r';
            int end = crlf ? lf - 1 : lf;
            if (trailer && !crlf) {
                throw new MalformedHttpException("trailer line not ended by CRLF (a bare LF)");
            }
            int length = end - start;
            lineStart = lf + 1;
            lineScanned = lf + 1;
            if (initial) {
                if (length > budget) {
                    throw tooLong(budget, length, true);
                }
                int cr = AsciiTables.indexOf(b, start, end, (byte) '\r');
                if (cr >= 0) {
                    throw new MalformedHttpException("bare CR at position " + (cr - start) + " of the "
                            + initialLineName());
                }
                headers = new HttpHeaders();
                message = parseInitialLine(b, start, length, headers);
                headerBytes = 0;
                state = State.HEADERS;
                continue;
            }
            if (length == 0) {
                int headEnd = lineStart;
                leaveLineMode(in);
                if (trailer) {
                    HttpHeaders t = trailers;
                    trailers = null;
                    endMessage(ctx, out, t == null ? LastHttpContent.EMPTY : LastHttpContent.withTrailers(t));
                } else {
                    HttpHeaders h = headers;
                    headersDone(ctx, out);
                    rememberHead(h, headEnd);
                }
                return;
            }
            int lineBytes = lf + 1 - start;
            if (headerBytes + lineBytes > config.maxHeaderSize()) {
                throw tooLong(budget, lineBytes, false);
            }
            headerBytes += lineBytes;
            HttpHeaders target;
            if (trailer) {
                if (trailers == null) {
                    trailers = new HttpHeaders(4);
                }
                target = trailers;
            } else {
                target = headers;
            }
            if (target.size() >= config.maxHeaderCount()) {
                throw new TooLongHttpHeaderException((trailer ? "trailer" : "header") + " section has more than "
                        + "the limit of " + config.maxHeaderCount() + " fields");
            }
            if (trailer) {
                parseHeaderLine(target, b, start, length);
            } else {
                int index = target.size();
                if (!repeatField(target, index, b, start, length)) {
                    parseHeaderLine(target, b, start, length);
                    rememberField(target, index, b, start, length);
                }
            }
        }
    }

    /*
     * Whole heads repeat too: a pipelining or keep-alive client often sends the same head again and again. The last
     * head of at most SEEN_HEAD_MAX bytes that was read in one piece is kept with its fields (as decoded, before the
     * application could change them), and a head equal to it byte for byte is not scanned line by line: one
     * comparison, then the kept fields and initial line (see repeatInitialLine) are reused. The framing of the body
     * is still decided by headersDone as for any head.
     */
    private static final int SEEN_HEAD_MAX = 1024;
    /** Where the head being parsed starts in the line reader, or -1 once it was compacted away. */
    private int headStart = -1;
    private byte[] seenHead;
    private int seenHeadLength;
    private String[] seenHeadNames;
    private String[] seenHeadValues;
    private int seenHeadFields;

    /** Decodes a head equal to the remembered one; false (nothing consumed) when it is not one. */
    private boolean repeatHead(HandlerContext ctx, Buffer in, List<Object> out) {
        int length = seenHeadLength;
        if (length == 0 || in.readableBytes() < length) {
            return false;
        }
        byte[] b = line;
        if (b.length < length) {
            b = new byte[Math.max(length, b.length << 1)]; // nothing is buffered in the line reader yet
            line = b;
        }
        in.getBytes(in.readerIndex(), b, 0, length);
        lineFill = length;
        lineBytesCopied += length;
        if (!java.util.Arrays.equals(b, 0, length, seenHead, 0, length)) {
            return false; // parsed as usual from the bytes already copied
        }
        HttpHeaders h = new HttpHeaders(seenHeadNames, seenHeadValues, seenHeadFields);
        HttpMessage msg = repeatInitialLine(h);
        if (msg == null) {
            return false;
        }
        headers = h;
        message = msg;
        lineStart = length;
        leaveLineMode(in);
        headersDone(ctx, out);
        return true;
    }

    /** Keeps the head just decoded, {@code line[headStart, headEnd)} with {@code h}, for {@link #repeatHead}. */
    private void rememberHead(HttpHeaders h, int headEnd) {
        seenHeadLength = 0; // whatever was kept belongs to an older initial line
        int length = headEnd - headStart;
        if (headStart != 0 || length > SEEN_HEAD_MAX || !initialLineKept()) {
            return;
        }
        seenHead = keep(seenHead, line, 0, length);
        seenHeadLength = length;
        int n = h.size();
        seenHeadNames = java.util.Arrays.copyOf(h.names, n);
        seenHeadValues = java.util.Arrays.copyOf(h.values, n);
        seenHeadFields = n;
    }

    /*
     * Field lines repeat: a client sends the same host, user-agent, accept... on every request of a connection, in
     * the same order. The first SEEN_FIELDS field lines of the last head are kept (by position, each at most
     * SEEN_LINE_MAX bytes, so at most 3 KiB per connection), and a line equal byte for byte to the one at its
     * position is not parsed again: it passed every check before and gets the same name and value strings (both
     * immutable). Anything else is parsed and checked as usual.
     */
    private static final int SEEN_FIELDS = 12;
    private static final int SEEN_LINE_MAX = 256;
    private byte[][] seenLines;
    private int[] seenLengths;
    private String[] seenNames;
    private String[] seenValues;

    /** {@code b[start, start + length)} copied to the front of {@code kept}, or of a new array when it is too small. */
    static byte[] keep(byte[] kept, byte[] b, int start, int length) {
        if (kept == null || kept.length < length) {
            kept = new byte[Math.max(length, 32)];
        }
        System.arraycopy(b, start, kept, 0, length);
        return kept;
    }

    private boolean repeatField(HttpHeaders target, int index, byte[] b, int start, int length) {
        byte[][] lines = seenLines;
        if (lines == null || index >= SEEN_FIELDS) {
            return false;
        }
        byte[] seen = lines[index];
        if (seen == null || seenLengths[index] != length
                || !java.util.Arrays.equals(b, start, start + length, seen, 0, length)) {
            return false;
        }
        target.addUnchecked(seenNames[index], seenValues[index]);
        return true;
    }

    /** Keeps the field line just parsed (the last field of {@code target}) for {@link #repeatField}. */
    private void rememberField(HttpHeaders target, int index, byte[] b, int start, int length) {
        if (index >= SEEN_FIELDS || length > SEEN_LINE_MAX || target.size() != index + 1) {
            return;
        }
        if (seenLines == null) {
            seenLines = new byte[SEEN_FIELDS][];
            seenLengths = new int[SEEN_FIELDS];
            seenNames = new String[SEEN_FIELDS];
            seenValues = new String[SEEN_FIELDS];
        }
        seenLines[index] = keep(seenLines[index], b, start, length);
        seenLengths[index] = length;
        seenNames[index] = target.nameAt(index);
        seenValues[index] = target.valueAt(index);
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
        chunkExtensionBytes = 0;
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
        emptyLinesSkipped = 0;
        onMessageEnd(ctx);
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
        int lineEnd = offset + length;
        int colon = AsciiTables.indexOf(b, offset, lineEnd, (byte) ':');
        if (colon < 0) {
            checkHeaderName(b, offset, lineEnd);
            throw new MalformedHttpException("header line of " + length + " bytes without a colon");
        }
        if (colon == offset) {
            throw new MalformedHttpException("header line with an empty name");
        }
        // A common name (matched byte for byte, ignoring the case of letters only) is a token by construction.
        String name = commonName(b, offset, colon - offset);
        if (name == null) {
            checkHeaderName(b, offset, colon);
            name = new String(b, offset, colon - offset, StandardCharsets.ISO_8859_1);
        }
        int s = colon + 1;
        int e = lineEnd;
        while (s < e && (b[s] == ' ' || b[s] == '\t')) {
            s++;
        }
        while (e > s && (b[e - 1] == ' ' || b[e - 1] == '\t')) {
            e--;
        }
        int bad = AsciiTables.indexOfControl(b, s, e);
        if (bad >= 0) {
            throw new MalformedHttpException("control character " + b[bad] + " in the value of a header field");
        }
        if (name == HttpHeaderNames.HOST) {
            checkHost(b, s, e);
        }
        target.addUnchecked(name, new String(b, s, e - s, StandardCharsets.ISO_8859_1));
    }

    private static final String[] COMMON_NAMES = {
        HttpHeaderNames.HOST, HttpHeaderNames.USER_AGENT, "accept", HttpHeaderNames.ACCEPT_ENCODING,
        "accept-language", HttpHeaderNames.CONNECTION, HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.CONTENT_TYPE,
        HttpHeaderNames.TRANSFER_ENCODING, "cookie", "cache-control", HttpHeaderNames.DATE, HttpHeaderNames.SERVER,
        HttpHeaderNames.EXPECT, "upgrade", "origin", "referer", "authorization", "if-none-match",
        "if-modified-since", HttpHeaderNames.CONTENT_ENCODING, HttpHeaderNames.VARY, "keep-alive",
    };

    /** Throws for the first byte of {@code b[from, to)} that may not be in a header name (a token). */
    private static void checkHeaderName(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (!isTokenChar(c)) {
                if (c == ' ' || c == '\t') {
                    throw new MalformedHttpException("whitespace in or after a header name at position "
                            + (i - from));
                }
                throw new MalformedHttpException("invalid character " + (c & 0xFF) + " in a header name");
            }
        }
    }

    /** {@link #COMMON_NAMES} by length: a name is compared only with the few of its own length. */
    private static final String[][] COMMON_BY_LENGTH = byLength(COMMON_NAMES);

    private static String[][] byLength(String[] names) {
        int longest = 0;
        for (String name : names) {
            longest = Math.max(longest, name.length());
        }
        String[][] table = new String[longest + 1][];
        for (int length = 0; length <= longest; length++) {
            final int l = length;
            table[length] = java.util.Arrays.stream(names).filter(n -> n.length() == l).toArray(String[]::new);
        }
        return table;
    }

    /**
     * Common header names (matched ignoring the case of letters) are returned as the shared lower-case constants
     * of {@link HttpHeaderNames}: no allocation per field, and lookups with those constants match by identity.
     * Returns null for other names (the caller checks them and keeps the spelling they arrived with).
     */
    private static String commonName(byte[] b, int offset, int length) {
        if (length >= COMMON_BY_LENGTH.length) {
            return null;
        }
        for (String name : COMMON_BY_LENGTH[length]) {
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
        return null;
    }

    /**
     * Parses {@code chunk-size [ chunk-ext ]} (the line without its CRLF) strictly by RFC 9112 section 7.1.1:
     * <pre>
     * chunk-size = 1*HEXDIG                       (at most 16 digits, no overflow)
     * chunk-ext  = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
     * chunk-ext-name = token, chunk-ext-val = token / quoted-string
     * </pre>
     * Extensions are checked and ignored; their bytes count against {@link HttpDecoderConfig#maxChunkExtensionLength}.
     */
    private long parseChunkLine(byte[] b, int start, int end) {
        int i = start;
        long size = 0;
        while (i < end) {
            int digit = hexValue(b[i]);
            if (digit < 0) {
                break;
            }
            if (i - start >= 16) {
                throw new MalformedHttpException("chunk size with more than 16 hex digits");
            }
            if ((size >>> 59) != 0) {
                throw new MalformedHttpException("chunk size overflows 63 bits");
            }
            size = (size << 4) | digit;
            i++;
        }
        if (i == start) {
            throw invalidChunkLine(b, start, end, "no hex digits");
        }
        if (i == end) {
            return size;
        }
        chunkExtensionBytes += end - i;
        if (chunkExtensionBytes > config.maxChunkExtensionLength()) {
            throw new MalformedHttpException("chunk extensions of " + chunkExtensionBytes
                    + " bytes in one body exceed the limit of " + config.maxChunkExtensionLength());
        }
        while (i < end) {
            i = skipWhitespace(b, i, end);
            if (i == end || b[i] != ';') {
                throw invalidChunkLine(b, start, end, i == end ? "whitespace without an extension"
                        : "unexpected character " + (b[i] & 0xFF) + " in the chunk extensions");
            }
            i = skipWhitespace(b, i + 1, end);
            int name = i;
            while (i < end && isTokenChar(b[i])) {
                i++;
            }
            if (i == name) {
                throw invalidChunkLine(b, start, end, "a chunk extension without a name");
            }
            int afterName = i;
            i = skipWhitespace(b, i, end);
            if (i < end && b[i] == '=') {
                i = skipWhitespace(b, i + 1, end);
                if (i < end && b[i] == '"') {
                    i = skipQuotedString(b, i, end, start);
                } else {
                    int value = i;
                    while (i < end && isTokenChar(b[i])) {
                        i++;
                    }
                    if (i == value) {
                        throw invalidChunkLine(b, start, end, "a chunk extension without a value after '='");
                    }
                }
            } else {
                // No value: the whitespace skipped belongs to the next extension's BWS (checked above).
                i = afterName;
            }
        }
        return size;
    }

    private static int hexValue(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static int skipWhitespace(byte[] b, int i, int end) {
        while (i < end && (b[i] == ' ' || b[i] == '\t')) {
            i++;
        }
        return i;
    }

    /** Skips {@code DQUOTE *( qdtext / quoted-pair ) DQUOTE} starting at the opening quote; returns the index after. */
    private static int skipQuotedString(byte[] b, int i, int end, int lineStart) {
        i++;
        while (i < end) {
            int c = b[i] & 0xFF;
            if (c == '"') {
                return i + 1;
            }
            if (c == '\\') {
                if (i + 1 >= end || !isQuotedPairChar(b[i + 1] & 0xFF)) {
                    throw invalidChunkLine(b, lineStart, end, "an invalid quoted-pair in a chunk extension");
                }
                i += 2;
                continue;
            }
            if (c != '\t' && (c < 0x20 || c == 0x7F)) {
                throw invalidChunkLine(b, lineStart, end, "control character " + c + " in a chunk extension");
            }
            i++;
        }
        throw invalidChunkLine(b, lineStart, end, "an unterminated quoted string in a chunk extension");
    }

    private static boolean isQuotedPairChar(int c) {
        return c == '\t' || (c >= 0x20 && c != 0x7F);
    }

    private static MalformedHttpException invalidChunkLine(byte[] b, int start, int end, String why) {
        return new MalformedHttpException("invalid chunk size line \""
                + printable(java.util.Arrays.copyOfRange(b, start, end), end - start) + "\": " + why);
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
        if (state == State.SKIP_CONTROL && !mayStartMessage(ctx)) {
            // Paused with requests buffered and now closed: nobody can be answered any more.
            in.skipBytes(in.readableBytes());
            return;
        }
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
