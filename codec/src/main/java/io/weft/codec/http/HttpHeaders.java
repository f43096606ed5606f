package io.weft.codec.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The header fields of a message (or the trailer fields of a chunked body), in arrival order. Names are matched
 * ignoring ASCII case; a name may occur several times and every occurrence is kept ({@link #getAll}). Names and
 * values are kept as given; {@link #add} and {@link #set} reject characters that would break the framing
 * (CR, LF, NUL, and anything but a token in a name).
 *
 * <p>Not thread-safe: a message belongs to one handler at a time.
 */
public final class HttpHeaders implements Iterable<Map.Entry<String, String>> {

    /** Field names and values in arrival order; the first {@link #size} slots are used (read by the encoder). */
    String[] names;
    String[] values;
    private int size;

    /** Empty headers. */
    public HttpHeaders() {
        this(8);
    }

    HttpHeaders(int capacity) {
        names = new String[capacity];
        values = new String[capacity];
    }

    /** Fields {@code names[i]: values[i]} for {@code i < size}, already checked; the arrays are copied. */
    HttpHeaders(String[] names, String[] values, int size) {
        this.names = java.util.Arrays.copyOf(names, size);
        this.values = java.util.Arrays.copyOf(values, size);
        this.size = size;
    }

    /** Number of fields (each occurrence of a repeated name counts). */
    public int size() {
        return size;
    }

    /** Whether there are no fields. */
    public boolean isEmpty() {
        return size == 0;
    }

    /** The name of the {@code index}-th field in arrival order. */
    public String nameAt(int index) {
        checkIndex(index);
        return names[index];
    }

    /** The value of the {@code index}-th field in arrival order. */
    public String valueAt(int index) {
        checkIndex(index);
        return values[index];
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + " outside [0, " + size + ")");
        }
    }

    /** The first value of {@code name}, or {@code null}. */
    public String get(String name) {
        for (int i = 0; i < size; i++) {
            if (sameName(names[i], name)) {
                return values[i];
            }
        }
        return null;
    }

    /** The first value of {@code name}, or {@code defaultValue}. */
    public String get(String name, String defaultValue) {
        String v = get(name);
        return v == null ? defaultValue : v;
    }

    /** Every value of {@code name}, in arrival order (empty if none). */
    public List<String> getAll(String name) {
        List<String> all = null;
        for (int i = 0; i < size; i++) {
            if (sameName(names[i], name)) {
                if (all == null) {
                    all = new ArrayList<>(2);
                }
                all.add(values[i]);
            }
        }
        return all == null ? Collections.emptyList() : all;
    }

    /** Number of fields called {@code name}. */
    public int count(String name) {
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (sameName(names[i], name)) {
                n++;
            }
        }
        return n;
    }

    /** Whether a field called {@code name} exists. */
    public boolean contains(String name) {
        for (int i = 0; i < size; i++) {
            if (sameName(names[i], name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether some field called {@code name} has {@code token} among its comma-separated elements (compared
     * ignoring case), e.g. {@code containsToken("connection", "close")}.
     */
    public boolean containsToken(String name, String token) {
        for (int i = 0; i < size; i++) {
            if (sameName(names[i], name) && hasToken(values[i], token)) {
                return true;
            }
        }
        return false;
    }

    /**
     * ASCII case-insensitive name comparison; identical instances (the {@link HttpHeaderNames} constants the
     * decoder also uses for common fields) match at once.
     */
    static boolean sameName(String a, String b) {
        if (a == b) {
            return true;
        }
        int length = a.length();
        if (length != b.length()) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                if (x >= 'A' && x <= 'Z') {
                    x += 32;
                }
                if (y >= 'A' && y <= 'Z') {
                    y += 32;
                }
                if (x != y) {
                    return false;
                }
            }
        }
        return true;
    }

    /** {@link #framingFields} bit: a {@code content-length} field. */
    static final int HAS_CONTENT_LENGTH = 1;
    /** {@link #framingFields} bit: a {@code transfer-encoding} field. */
    static final int HAS_TRANSFER_ENCODING = 2;
    /** {@link #framingFields} bit: a {@code date} field. */
    static final int HAS_DATE = 4;
    /** {@link #framingFields} bit: a {@code connection} field with the {@code close} option. */
    static final int CONNECTION_CLOSE = 8;

    /**
     * Which of the fields a server codec frames a response by are present, in one pass: a mask of
     * {@link #HAS_CONTENT_LENGTH}, {@link #HAS_TRANSFER_ENCODING}, {@link #HAS_DATE} and {@link #CONNECTION_CLOSE}.
     */
    int framingFields() {
        int present = 0;
        for (int i = 0; i < size; i++) {
            String name = names[i];
            if (sameName(name, HttpHeaderNames.CONTENT_LENGTH)) {
                present |= HAS_CONTENT_LENGTH;
            } else if (sameName(name, HttpHeaderNames.TRANSFER_ENCODING)) {
                present |= HAS_TRANSFER_ENCODING;
            } else if (sameName(name, HttpHeaderNames.DATE)) {
                present |= HAS_DATE;
            } else if (sameName(name, HttpHeaderNames.CONNECTION) && hasToken(values[i], HttpHeaderValues.CLOSE)) {
                present |= CONNECTION_CLOSE;
            }
        }
        return present;
    }

    /** Whether a {@code content-length} or {@code transfer-encoding} field is present (one pass). */
    boolean hasFramingField() {
        return (framingFields() & (HAS_CONTENT_LENGTH | HAS_TRANSFER_ENCODING)) != 0;
    }

    static boolean hasToken(String value, String token) {
        int length = value.length();
        int start = 0;
        while (start <= length) {
            int comma = value.indexOf(',', start);
            int end = comma < 0 ? length : comma;
            int s = start;
            int e = end;
            while (s < e && isOws(value.charAt(s))) {
                s++;
            }
            while (e > s && isOws(value.charAt(e - 1))) {
                e--;
            }
            if (e - s == token.length() && value.regionMatches(true, s, token, 0, token.length())) {
                return true;
            }
            if (comma < 0) {
                break;
            }
            start = comma + 1;
        }
        return false;
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }

    /** The first value of {@code name} parsed as a non-negative decimal, or -1 if absent or not a number. */
    public long getLong(String name) {
        String v = get(name);
        if (v == null) {
            return -1;
        }
        try {
            long n = Long.parseLong(v.trim());
            return n < 0 ? -1 : n;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Appends a field; existing fields of the same name are kept. */
    public HttpHeaders add(String name, String value) {
        validateName(name);
        validateValue(name, value);
        addUnchecked(name, value);
        return this;
    }

    /** Appends a field whose value is a number. */
    public HttpHeaders add(String name, long value) {
        validateName(name);
        addUnchecked(name, Long.toString(value)); // digits and a sign: a valid value by construction
        return this;
    }

    void addUnchecked(String name, String value) {
        if (size == names.length) {
            int capacity = Math.max(4, size << 1);
            names = java.util.Arrays.copyOf(names, capacity);
            values = java.util.Arrays.copyOf(values, capacity);
        }
        names[size] = name;
        values[size] = value;
        size++;
    }

    /** Replaces every field called {@code name} with one holding {@code value}. */
    public HttpHeaders set(String name, String value) {
        validateName(name);
        validateValue(name, value);
        for (int i = 0; i < size; i++) {
            if (sameName(names[i], name)) {
                values[i] = value;
                removeFrom(name, i + 1);
                return this;
            }
        }
        addUnchecked(name, value);
        return this;
    }

    /** Replaces every field called {@code name} with one holding the number {@code value}. */
    public HttpHeaders set(String name, long value) {
        return set(name, Long.toString(value));
    }

    /** Removes every field called {@code name}; returns whether there was one. */
    public boolean remove(String name) {
        return removeFrom(name, 0);
    }

    private boolean removeFrom(String name, int from) {
        int write = from;
        for (int read = from; read < size; read++) {
            if (!sameName(names[read], name)) {
                names[write] = names[read];
                values[write] = values[read];
                write++;
            }
        }
        boolean removed = write != size;
        for (int i = write; i < size; i++) {
            names[i] = null;
            values[i] = null;
        }
        size = write;
        return removed;
    }

    /** Removes every field. */
    public HttpHeaders clear() {
        for (int i = 0; i < size; i++) {
            names[i] = null;
            values[i] = null;
        }
        size = 0;
        return this;
    }

    /** The distinct names, in first-arrival order, as first spelled. */
    public Set<String> names() {
        Set<String> lower = new LinkedHashSet<>();
        Set<String> result = new LinkedHashSet<>();
        for (int i = 0; i < size; i++) {
            if (lower.add(names[i].toLowerCase(java.util.Locale.ROOT))) {
                result.add(names[i]);
            }
        }
        return result;
    }

    /** A copy of these headers. */
    public HttpHeaders copy() {
        HttpHeaders copy = new HttpHeaders(Math.max(4, size));
        System.arraycopy(names, 0, copy.names, 0, size);
        System.arraycopy(values, 0, copy.values, 0, size);
        copy.size = size;
        return copy;
    }

    @Override
    public Iterator<Map.Entry<String, String>> iterator() {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < size;
            }

            @Override
            public Map.Entry<String, String> next() {
                if (next >= size) {
                    throw new NoSuchElementException();
                }
                int i = next++;
                return Map.entry(names[i], values[i]);
            }
        };
    }

    /** The {@link HttpHeaderNames} constants: valid by construction, so they skip the per-character check. */
    private static final String[] KNOWN = {
        HttpHeaderNames.CONTENT_TYPE, HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.DATE, HttpHeaderNames.SERVER,
        HttpHeaderNames.CONNECTION, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.HOST,
        HttpHeaderNames.CONTENT_ENCODING, HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING,
        HttpHeaderNames.USER_AGENT, HttpHeaderNames.EXPECT,
    };

    static void validateName(String name) {
        for (String known : KNOWN) {
            if (known == name) {
                return;
            }
        }
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("header name must not be empty");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c > 0x7F || !HttpObjectDecoder.isTokenChar((byte) c)) {
                throw new IllegalArgumentException(
                        "header name \"" + name + "\" contains the invalid character " + (int) c + " at " + i);
            }
        }
    }

    static void validateValue(String name, String value) {
        if (value == null) {
            throw new IllegalArgumentException("header " + name + " must not have a null value");
        }
        if (HttpDate.isCurrent(value)) {
            return; // HttpDate.now(), valid by construction
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0 || c > 0xFF) {
                throw new IllegalArgumentException(
                        "value of header " + name + " contains the invalid character " + (int) c + " at " + i);
            }
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("HttpHeaders[");
        for (int i = 0; i < size; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(names[i]).append(": ").append(values[i]);
        }
        return sb.append(']').toString();
    }
}
