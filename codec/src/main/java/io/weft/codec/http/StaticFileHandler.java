package io.weft.codec.http;

import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.FileRegion;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Serves the files under a directory over HTTP/1.1, cache-friendly and safe, behind an {@link HttpServerCodec}:
 *
 * <pre>{@code
 * StaticFileHandler.Builder files = StaticFileHandler.builder(Path.of("/srv/www")).maxAge(Duration.ofHours(1));
 * Server.builder().group(group)
 *       .childHandler(ch -> ch.pipeline().addLast("http", new HttpServerCodec()).addLast("files", files.build()))
 *       .bind("0.0.0.0", 8080);
 * }</pre>
 *
 * <ul>
 *   <li><b>Methods:</b> {@code GET} and {@code HEAD} (same headers, no body); anything else gets {@code 405} with
 *       {@code Allow: GET, HEAD}.</li>
 *   <li><b>Validators:</b> a strong {@code ETag} (from the file's modification time and size) and
 *       {@code Last-Modified}. Conditional requests follow RFC 9110 section 13.2.2: {@code If-Match}, else
 *       {@code If-Unmodified-Since} ({@code 412} when false); {@code If-None-Match}, else
 *       {@code If-Modified-Since} ({@code 304} when false); then {@code Range}.</li>
 *   <li><b>Ranges:</b> a single {@code bytes} range ({@code a-b}, {@code a-}, {@code -n}) gets {@code 206} with
 *       {@code Content-Range}; an unsatisfiable one {@code 416} with {@code Content-Range: bytes *}{@code /size}.
 *       {@code If-Range} (an entity tag compared strongly, or the exact {@code Last-Modified} date) that does not
 *       match makes the answer the whole file ({@code 200}). Several non-overlapping ranges (at most
 *       {@value #MAX_RANGES}) get a {@code 206} with a {@code multipart/byteranges} body. Overlapping or too
 *       many ranges, another unit, or a malformed {@code Range} are ignored: the whole file, {@code 200} (RFC
 *       9110 allows a server to ignore Range).</li>
 *   <li><b>Headers:</b> {@code Content-Type} from the extension (a table; {@code charset} added for text types;
 *       {@link Builder#contentType} adds or overrides entries), {@code Accept-Ranges: bytes},
 *       {@code Cache-Control} ({@link Builder#maxAge}, default {@code no-cache}: cached, revalidated every time,
 *       which the validators make cheap); the codec adds {@code Date}.</li>
 *   <li><b>Directories:</b> a request for a directory without a trailing slash is redirected ({@code 301}) to
 *       the same path with one; with one, the first existing index file ({@code index.html} by default) is
 *       served. No listings: {@code 404}.</li>
 *   <li><b>Paths never leave the root:</b> the path is percent-decoded strictly (a malformed escape, invalid
 *       UTF-8, a NUL, an encoded {@code /} or {@code \} give {@code 400}), {@code .} and {@code ..} segments are
 *       resolved without the file system ({@code ..} above the root: {@code 403}), hidden files (a segment
 *       starting with {@code .}) are not served unless {@link Builder#serveHiddenFiles}, and the result is
 *       resolved with {@link Path#toRealPath} — every symbolic link followed — and must still lie under the
 *       root's real path, or it is {@code 404}: a link pointing out of the root is never followed.</li>
 *   <li><b>Bodies</b> are {@link FileRegion}s: zero-copy {@code transferTo} from the page cache on a plain
 *       connection, read in chunks and encrypted by a {@code TlsHandler} when one is in the pipeline. Either way
 *       a file of any size streams with the channel's back-pressure; nothing buffers a whole file.</li>
 * </ul>
 *
 * <p>Request bodies (of a {@code POST} answered {@code 405}, say) are released. Errors are small
 * {@code text/plain} responses. A file that cannot be read for lack of permission is {@code 403}; other
 * file-system errors answer {@code 500} and are logged at WARN (a fault of the server, not of the client).
 *
 * <p><b>Threads.</b> Callbacks run on the channel's loop and do blocking file-system calls (stat, open): fast on
 * local disks, as in every Java static server on a selector loop. A handler holds no per-connection state, so it
 * is {@link Handler.Sharable}: one instance from {@link Builder#build()} may serve every pipeline (building one
 * per connection is cheap too).
 */
@Handler.Sharable
public final class StaticFileHandler implements Handler {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(StaticFileHandler.class);

    /** Index file names tried for a directory by default. */
    public static final List<String> DEFAULT_INDEX_FILES = List.of("index.html");



    private final Config config;

    private StaticFileHandler(Config config) {
        this.config = config;
    }

    /** A builder serving the directory {@code root}. */
    public static Builder builder(Path root) {
        return new Builder(root);
    }

    /** The real path of the directory served. */
    public Path root() {
        return config.root;
    }

    @Override
    public void channelRead(HandlerContext ctx, Object msg) throws Exception {
        try {
            if (msg instanceof HttpRequest request) {
                try {
                    serve(ctx, request);
                } catch (NoSuchFileException | java.nio.file.NotDirectoryException gone) {
                    // Removed between the look-up and the read.
                    ctx.write(error(ctx, HttpResponseStatus.NOT_FOUND));
                } catch (java.nio.file.AccessDeniedException denied) {
                    ctx.write(error(ctx, HttpResponseStatus.FORBIDDEN));
                } catch (IOException e) {
                    // Nothing of the answer has been written yet: every file is opened before the head goes out.
                    log.warn("{}: cannot serve {}: {}", ctx.channel(), request.path(), e.toString());
                    ctx.write(error(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR));
                }
            }
        } finally {
            ReferenceCounted.safeRelease(msg);
        }
    }

    @Override
    public void channelReadComplete(HandlerContext ctx) {
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    // ------------------------------------------------------------------ serving

    private void serve(HandlerContext ctx, HttpRequest request) throws IOException {
        HttpMethod method = request.method();
        if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
            HttpResponse r = error(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED);
            r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            ctx.write(r);
            return;
        }
        Resolved resolved = resolve(request.path());
        if (resolved.status != null) {
            ctx.write(error(ctx, resolved.status));
            return;
        }
        Path file = resolved.file;
        BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
        if (attrs.isDirectory()) {
            if (!request.path().endsWith("/")) {
                redirectToDirectory(ctx, request);
                return;
            }
            file = indexFile(file);
            if (file == null) {
                ctx.write(error(ctx, HttpResponseStatus.NOT_FOUND));
                return;
            }
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        }
        if (!attrs.isRegularFile()) {
            ctx.write(error(ctx, HttpResponseStatus.NOT_FOUND));
            return;
        }
        if (!Files.isReadable(file)) {
            ctx.write(error(ctx, HttpResponseStatus.FORBIDDEN));
            return;
        }
        serveFile(ctx, request, file, attrs);
    }

    private void serveFile(HandlerContext ctx, HttpRequest request, Path file, BasicFileAttributes attrs)
            throws IOException {
        long size = attrs.size();
        long modifiedMillis = attrs.lastModifiedTime().toMillis();
        long modifiedSecond = Math.floorDiv(modifiedMillis, 1000);
        String etag = "\"" + Long.toHexString(attrs.lastModifiedTime().to(TimeUnit.MICROSECONDS)) + "-"
                + Long.toHexString(size) + "\"";
        HttpHeaders in = request.headers();

        // RFC 9110 section 13.2.2: preconditions in this order.
        String ifMatch = in.get(HttpHeaderNames.IF_MATCH);
        if (ifMatch != null) {
            if (!matches(ifMatch, etag, true)) {
                ctx.write(validators(error(ctx, HttpResponseStatus.PRECONDITION_FAILED), etag, modifiedMillis));
                return;
            }
        } else {
            Instant ius = HttpDate.parse(in.get(HttpHeaderNames.IF_UNMODIFIED_SINCE));
            if (ius != null && modifiedSecond > ius.getEpochSecond()) {
                ctx.write(validators(error(ctx, HttpResponseStatus.PRECONDITION_FAILED), etag, modifiedMillis));
                return;
            }
        }
        String ifNoneMatch = in.get(HttpHeaderNames.IF_NONE_MATCH);
        boolean notModified;
        if (ifNoneMatch != null) {
            notModified = matches(ifNoneMatch, etag, false);
        } else {
            Instant ims = HttpDate.parse(in.get(HttpHeaderNames.IF_MODIFIED_SINCE));
            notModified = ims != null && modifiedSecond <= ims.getEpochSecond();
        }
        if (notModified) {
            HttpResponse r = new HttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED);
            cacheHeaders(validators(r, etag, modifiedMillis));
            ctx.write(r);
            ctx.write(LastHttpContent.EMPTY);
            return;
        }

        long start = 0;
        long length = size;
        HttpResponseStatus status = HttpResponseStatus.OK;
        String range = in.get(HttpHeaderNames.RANGE);
        if (range != null && request.method() == HttpMethod.GET
                && ifRangeHolds(in.get(HttpHeaderNames.IF_RANGE), etag, modifiedSecond)) {
            List<long[]> ranges = parseRanges(range, size);
            if (ranges == UNSATISFIABLE_RANGES) {
                HttpResponse e = validators(error(ctx, HttpResponseStatus.RANGE_NOT_SATISFIABLE), etag,
                        modifiedMillis);
                e.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + size);
                ctx.write(e);
                return;
            }
            if (ranges != null && ranges.size() > 1) {
                serveMultipart(ctx, file, size, ranges, etag, modifiedMillis);
                return;
            }
            if (ranges != null) {
                start = ranges.get(0)[0];
                length = ranges.get(0)[1] - start + 1;
                status = HttpResponseStatus.PARTIAL_CONTENT;
            }
        }

        FileChannel channel = request.method() == HttpMethod.GET ? FileChannel.open(file, StandardOpenOption.READ)
                : null;
        HttpResponse r = new HttpResponse(HttpVersion.HTTP_1_1, status);
        HttpHeaders h = r.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, config.contentType(file.getFileName().toString()));
        h.set(HttpHeaderNames.CONTENT_LENGTH, length);
        if (status == HttpResponseStatus.PARTIAL_CONTENT) {
            h.set(HttpHeaderNames.CONTENT_RANGE, "bytes " + start + "-" + (start + length - 1) + "/" + size);
        }
        h.set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
        cacheHeaders(validators(r, etag, modifiedMillis));
        ctx.write(r);
        if (channel != null) {
            ctx.write(new FileRegion(channel, start, length));
        }
        ctx.write(LastHttpContent.EMPTY);
    }

    /**
     * {@code 206} with a {@code multipart/byteranges} body (RFC 9110 section 14.6): per range a part head (a
     * buffer) and the bytes (a {@link FileRegion}), then the closing delimiter; {@code Content-Length} is exact.
     */
    private void serveMultipart(HandlerContext ctx, Path file, long size, List<long[]> ranges, String etag,
            long modifiedMillis) throws IOException {
        String boundary = "weft-" + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong())
                + Long.toHexString(System.nanoTime());
        String type = config.contentType(file.getFileName().toString());
        List<byte[]> heads = new ArrayList<>(ranges.size());
        long length = 0;
        for (int i = 0; i < ranges.size(); i++) {
            long[] r = ranges.get(i);
            byte[] head = ((i == 0 ? "" : "\r\n") + "--" + boundary + "\r\ncontent-type: " + type
                    + "\r\ncontent-range: bytes " + r[0] + "-" + r[1] + "/" + size + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            heads.add(head);
            length += head.length + (r[1] - r[0] + 1);
        }
        byte[] end = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        length += end.length;
        // Open every part's file first: a failure then leaves nothing half-written.
        List<FileRegion> regions = new ArrayList<>(ranges.size());
        try {
            for (long[] r : ranges) {
                regions.add(new FileRegion(FileChannel.open(file, StandardOpenOption.READ), r[0], r[1] - r[0] + 1));
            }
        } catch (IOException | RuntimeException e) {
            regions.forEach(FileRegion::release);
            throw e;
        }
        HttpResponse response = new HttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.PARTIAL_CONTENT);
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, "multipart/byteranges; boundary=" + boundary);
        h.set(HttpHeaderNames.CONTENT_LENGTH, length);
        h.set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
        cacheHeaders(validators(response, etag, modifiedMillis));
        ctx.write(response);
        for (int i = 0; i < ranges.size(); i++) {
            byte[] head = heads.get(i);
            ctx.write(ctx.alloc().allocate(head.length).writeBytes(head));
            ctx.write(regions.get(i));
        }
        ctx.write(ctx.alloc().allocate(end.length).writeBytes(end));
        ctx.write(LastHttpContent.EMPTY);
    }

    private HttpResponse validators(HttpResponse r, String etag, long modifiedMillis) {
        r.headers().set(HttpHeaderNames.ETAG, etag);
        r.headers().set(HttpHeaderNames.LAST_MODIFIED, HttpDate.format(modifiedMillis));
        return r;
    }

    private void cacheHeaders(HttpResponse r) {
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, config.cacheControl);
    }

    private void redirectToDirectory(HandlerContext ctx, HttpRequest request) {
        String target = request.target();
        int q = target.indexOf('?');
        String location = q < 0 ? request.path() + "/" : request.path() + "/" + target.substring(q);
        HttpResponse r = error(ctx, HttpResponseStatus.MOVED_PERMANENTLY);
        r.headers().set(HttpHeaderNames.LOCATION, location);
        ctx.write(r);
    }

    private Path indexFile(Path directory) throws IOException {
        for (String name : config.indexFiles) {
            Path candidate = checkedRealPath(directory.resolve(name));
            if (candidate != null && Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static FullHttpResponse error(HandlerContext ctx, HttpResponseStatus status) {
        byte[] body = (status.code() + " " + status.reasonPhrase() + "\n").getBytes(StandardCharsets.US_ASCII);
        Buffer content = ctx.alloc().allocate(body.length).writeBytes(body);
        FullHttpResponse r = new FullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=us-ascii");
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return r;
    }

    // ------------------------------------------------------------------ paths

    private record Resolved(Path file, HttpResponseStatus status) {
    }

    /**
     * Maps a request path onto the file system: strict percent-decoding, segment normalisation that cannot climb
     * above the root, then {@link Path#toRealPath} (following links) and a check that the result is still under
     * the root's real path.
     */
    Resolved resolve(String rawPath) throws IOException {
        if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            return new Resolved(null, HttpResponseStatus.BAD_REQUEST);
        }
        List<String> segments = new ArrayList<>();
        int i = 1;
        while (i <= rawPath.length()) {
            int slash = rawPath.indexOf('/', i);
            int end = slash < 0 ? rawPath.length() : slash;
            String segment = decodeSegment(rawPath, i, end);
            if (segment == null) {
                return new Resolved(null, HttpResponseStatus.BAD_REQUEST);
            }
            if (segment.equals("..")) {
                if (segments.isEmpty()) {
                    return new Resolved(null, HttpResponseStatus.FORBIDDEN);
                }
                segments.remove(segments.size() - 1);
            } else if (!segment.isEmpty() && !segment.equals(".")) {
                if (segment.charAt(0) == '.' && !config.serveHidden) {
                    return new Resolved(null, HttpResponseStatus.NOT_FOUND);
                }
                segments.add(segment);
            }
            i = end + 1;
        }
        Path candidate = config.root;
        for (String s : segments) {
            candidate = candidate.resolve(s);
        }
        Path real = checkedRealPath(candidate);
        return real == null ? new Resolved(null, HttpResponseStatus.NOT_FOUND) : new Resolved(real, null);
    }

    /** The real path of {@code candidate} if it exists and lies under the root's real path, else {@code null}. */
    private Path checkedRealPath(Path candidate) throws IOException {
        Path real;
        try {
            real = candidate.toRealPath();
        } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
            return null;
        } catch (java.nio.file.FileSystemException e) {
            // Too many levels of links, a name too long, access denied on a parent: not served.
            return null;
        }
        return real.startsWith(config.root) ? real : null;
    }

    /**
     * Percent-decodes {@code raw[start, end)} as UTF-8.
     *
     * @return the segment, or {@code null} if the escape is malformed, the bytes are not UTF-8, or the segment
     *     holds a NUL, an encoded {@code /}, or a {@code \}
     */
    static String decodeSegment(String raw, int start, int end) {
        boolean escaped = false;
        for (int k = start; k < end; k++) {
            char c = raw.charAt(k);
            if (c == '%') {
                escaped = true;
            } else if (c == '\\' || c == 0 || c > 0x7e || c < 0x21) {
                return null;
            }
        }
        if (!escaped) {
            return raw.substring(start, end);
        }
        ByteBuffer bytes = ByteBuffer.allocate(end - start);
        for (int k = start; k < end; k++) {
            char c = raw.charAt(k);
            if (c == '%') {
                if (k + 2 >= end) {
                    return null;
                }
                int hi = Character.digit(raw.charAt(k + 1), 16);
                int lo = Character.digit(raw.charAt(k + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                int b = hi << 4 | lo;
                if (b == 0 || b == '/' || b == '\\') {
                    return null;
                }
                bytes.put((byte) b);
                k += 2;
            } else {
                bytes.put((byte) c);
            }
        }
        bytes.flip();
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------ conditionals and ranges

    /**
     * Whether the field value (a list of entity tags, or {@code *}) matches {@code etag}: strong comparison for
     * {@code If-Match} (weak tags never match), weak comparison for {@code If-None-Match}.
     */
    static boolean matches(String field, String etag, boolean strong) {
        String value = field.trim();
        if (value.equals("*")) {
            return true;
        }
        int i = 0;
        int n = value.length();
        while (i < n) {
            while (i < n && (value.charAt(i) == ',' || value.charAt(i) == ' ' || value.charAt(i) == '\t')) {
                i++;
            }
            if (i >= n) {
                break;
            }
            boolean weak = false;
            if (value.startsWith("W/", i)) {
                weak = true;
                i += 2;
            }
            if (i >= n || value.charAt(i) != '"') {
                return false; // malformed list: no match
            }
            int close = value.indexOf('"', i + 1);
            if (close < 0) {
                return false;
            }
            String tag = value.substring(i, close + 1);
            if (tag.equals(etag) && !(strong && weak)) {
                return true;
            }
            i = close + 1;
        }
        return false;
    }

    /** {@code If-Range} absent, or an entity tag equal (strongly) to ours, or a date equal to Last-Modified. */
    private static boolean ifRangeHolds(String ifRange, String etag, long modifiedSecond) {
        if (ifRange == null) {
            return true;
        }
        String v = ifRange.trim();
        if (v.startsWith("\"") || v.startsWith("W/")) {
            return v.equals(etag);
        }
        Instant date = HttpDate.parse(v);
        return date != null && date.getEpochSecond() == modifiedSecond;
    }

    private static final long[] UNSATISFIABLE = new long[0];
    private static final List<long[]> UNSATISFIABLE_RANGES = List.of();
    /** More ranges than this in one request are ignored (the whole file is sent): RFC 9110 section 14.2. */
    static final int MAX_RANGES = 16;

    /**
     * Parses a {@code Range} field that may list several ranges.
     *
     * @return the satisfiable ranges ({first, last}, inclusive) in the order asked; {@link #UNSATISFIABLE_RANGES}
     *     if none is; or {@code null} to ignore the field (another unit, a malformed range, more than
     *     {@link #MAX_RANGES}, or overlapping ranges, which a client has no good reason to ask for)
     */
    static List<long[]> parseRanges(String field, long size) {
        String v = field.trim();
        if (!v.regionMatches(true, 0, "bytes=", 0, 6)) {
            return null;
        }
        List<long[]> result = new ArrayList<>();
        int specs = 0;
        for (String spec : v.substring(6).split(",", -1)) {
            if (spec.isBlank()) {
                continue;
            }
            if (++specs > MAX_RANGES) {
                return null;
            }
            long[] r = parseRange("bytes=" + spec.trim(), size);
            if (r == null) {
                return null;
            }
            if (r != UNSATISFIABLE) {
                result.add(r);
            }
        }
        if (specs == 0) {
            return null;
        }
        if (result.isEmpty()) {
            return UNSATISFIABLE_RANGES;
        }
        List<long[]> sorted = new ArrayList<>(result);
        sorted.sort((a, b) -> Long.compare(a[0], b[0]));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i)[0] <= sorted.get(i - 1)[1]) {
                return null;
            }
        }
        return result;
    }

    /**
     * Parses a {@code Range} field for a representation of {@code size} bytes.
     *
     * @return {first, last} (inclusive) for one satisfiable range; {@link #UNSATISFIABLE}; or {@code null} to
     *     ignore the field (another unit, several ranges, malformed)
     */
    static long[] parseRange(String field, long size) {
        String v = field.trim();
        if (!v.regionMatches(true, 0, "bytes=", 0, 6)) {
            return null;
        }
        String spec = v.substring(6).trim();
        if (spec.isEmpty() || spec.indexOf(',') >= 0) {
            return null;
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        String first = spec.substring(0, dash).trim();
        String last = spec.substring(dash + 1).trim();
        try {
            if (first.isEmpty()) {
                if (last.isEmpty() || !digits(last)) {
                    return null;
                }
                long suffix = parseLength(last);
                if (suffix == 0 || size == 0) {
                    return UNSATISFIABLE;
                }
                return new long[] {Math.max(0, size - suffix), size - 1};
            }
            if (!digits(first) || (!last.isEmpty() && !digits(last))) {
                return null;
            }
            long a = parseLength(first);
            long b = last.isEmpty() ? Long.MAX_VALUE : parseLength(last);
            if (b < a) {
                return null; // invalid: ignore
            }
            if (a >= size) {
                return UNSATISFIABLE;
            }
            return new long[] {a, Math.min(b, size - 1)};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static boolean digits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return !s.isEmpty();
    }

    /** A decimal length; one too big for a long is as good as infinite. */
    private static long parseLength(String s) {
        if (s.length() > 18) {
            return Long.MAX_VALUE;
        }
        return Long.parseLong(s);
    }

    // ------------------------------------------------------------------ configuration

    /** The immutable settings every handler of one builder shares. */
    private static final class Config {
        final Path root;
        final List<String> indexFiles;
        final String cacheControl;
        final boolean serveHidden;
        final Map<String, String> types;
        final Charset charset;

        Config(Builder b) {
            this.root = b.realRoot;
            this.indexFiles = List.copyOf(b.indexFiles);
            this.cacheControl = b.cacheControl;
            this.serveHidden = b.serveHidden;
            this.types = Map.copyOf(b.types);
            this.charset = b.charset;
        }

        String contentType(String fileName) {
            int dot = fileName.lastIndexOf('.');
            String type = dot < 0 ? null : types.get(fileName.substring(dot + 1).toLowerCase(Locale.ROOT));
            if (type == null) {
                return "application/octet-stream";
            }
            if (type.startsWith("text/") && type.indexOf(';') < 0) {
                return type + "; charset=" + charset.name().toLowerCase(Locale.ROOT);
            }
            return type;
        }
    }

    /** Content types by extension (lower case, without the dot) that every builder starts with. */
    static Map<String, String> defaultTypes() {
        Map<String, String> t = new HashMap<>();
        t.put("html", "text/html");
        t.put("htm", "text/html");
        t.put("css", "text/css");
        t.put("js", "text/javascript");
        t.put("mjs", "text/javascript");
        t.put("txt", "text/plain");
        t.put("md", "text/markdown");
        t.put("csv", "text/csv");
        t.put("xml", "text/xml");
        t.put("json", "application/json");
        t.put("map", "application/json");
        t.put("wasm", "application/wasm");
        t.put("pdf", "application/pdf");
        t.put("zip", "application/zip");
        t.put("gz", "application/gzip");
        t.put("tar", "application/x-tar");
        t.put("svg", "image/svg+xml");
        t.put("png", "image/png");
        t.put("jpg", "image/jpeg");
        t.put("jpeg", "image/jpeg");
        t.put("gif", "image/gif");
        t.put("webp", "image/webp");
        t.put("avif", "image/avif");
        t.put("ico", "image/vnd.microsoft.icon");
        t.put("woff", "font/woff");
        t.put("woff2", "font/woff2");
        t.put("ttf", "font/ttf");
        t.put("otf", "font/otf");
        t.put("mp3", "audio/mpeg");
        t.put("ogg", "audio/ogg");
        t.put("wav", "audio/wav");
        t.put("mp4", "video/mp4");
        t.put("webm", "video/webm");
        return t;
    }

    /**
     * Settings for {@link StaticFileHandler}s serving one directory. Configure, then {@link #build()} one handler
     * per connection; thread-safe once configured.
     */
    public static final class Builder {
        private final Path realRoot;
        private final List<String> indexFiles = new ArrayList<>(DEFAULT_INDEX_FILES);
        private final Map<String, String> types = defaultTypes();
        private String cacheControl = "no-cache";
        private boolean serveHidden;
        private Charset charset = StandardCharsets.UTF_8;
        private Config config;

        private Builder(Path root) {
            if (root == null) {
                throw new NullPointerException("root");
            }
            try {
                Path real = root.toRealPath();
                if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IllegalArgumentException(root + " is not a directory");
                }
                this.realRoot = real;
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException(root + " does not exist", e);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot resolve the root " + root + ": " + e.getMessage(), e);
            }
        }

        /** Index files tried, in order, for a directory; default {@code index.html}; none: directories 404. */
        public Builder indexFiles(String... names) {
            indexFiles.clear();
            for (String n : names) {
                if (n.isEmpty() || n.contains("/") || n.contains("\\") || n.equals("..") || n.equals(".")) {
                    throw new IllegalArgumentException("index file name '" + n + "' must be a plain file name");
                }
                indexFiles.add(n);
            }
            config = null;
            return this;
        }

        /**
         * {@code Cache-Control: public, max-age=N} for successful answers; zero gives {@code no-cache} (the
         * default: stored, revalidated on every use — a {@code 304} when unchanged).
         */
        public Builder maxAge(Duration maxAge) {
            if (maxAge.isNegative()) {
                throw new IllegalArgumentException("maxAge " + maxAge + " must not be negative");
            }
            this.cacheControl = maxAge.isZero() ? "no-cache" : "public, max-age=" + maxAge.toSeconds();
            config = null;
            return this;
        }

        /** A {@code Cache-Control} value of your own, replacing the one {@link #maxAge} makes. */
        public Builder cacheControl(String value) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("cache-control value must not be blank");
            }
            this.cacheControl = value;
            config = null;
            return this;
        }

        /**
         * Adds or overrides the content type for files ending in {@code .extension} (case-insensitive). A
         * {@code text/} type without parameters gets the {@link #charset}.
         */
        public Builder contentType(String extension, String type) {
            types.put(extension.toLowerCase(Locale.ROOT).replaceFirst("^\\.", ""), type);
            config = null;
            return this;
        }

        /** The charset named for {@code text/} types; default UTF-8. */
        public Builder charset(Charset charset) {
            this.charset = charset;
            config = null;
            return this;
        }

        /** Whether files and directories whose name starts with {@code .} are served; default {@code false}. */
        public Builder serveHiddenFiles(boolean serve) {
            this.serveHidden = serve;
            config = null;
            return this;
        }

        /** The real path of the directory served. */
        public Path root() {
            return realRoot;
        }

        /** A handler for one connection. */
        public synchronized StaticFileHandler build() {
            Config c = config;
            if (c == null) {
                c = new Config(this);
                config = c;
            }
            return new StaticFileHandler(c);
        }
    }
}
