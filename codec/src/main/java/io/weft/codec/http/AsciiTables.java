package io.weft.codec.http;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Lookup tables of allowed ASCII characters, shared by the request parser and the Host validator, and the
 * word-at-a-time scans the parser runs over a head (eight bytes per step, the exact byte test only where a word may
 * hold a match).
 */
final class AsciiTables {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    private AsciiTables() {
    }

    /** A 128-entry table that is true for ASCII letters, digits and each character of {@code extra}. */
    static boolean[] alphanumericAnd(String extra) {
        boolean[] table = new boolean[128];
        for (char c = '0'; c <= '9'; c++) {
            table[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            table[c] = true;
            table[c - 32] = true;
        }
        for (char c : extra.toCharArray()) {
            table[c] = true;
        }
        return table;
    }

    /** The eight bytes of {@code b} at {@code i}, the first in the low bits. */
    private static long word(byte[] b, int i) {
        return (long) LONGS.get(b, i);
    }

    /** Nonzero where a byte of {@code x} is zero; the lowest set bit marks the first zero byte exactly. */
    private static long zeroBytes(long x) {
        return (x - ONES) & ~x & HIGHS;
    }

    /** Nonzero if some byte of {@code x} may be below {@code n} (at most 128); never zero when one is. */
    private static long bytesBelow(long x, int n) {
        return (x - ONES * n) & ~x & HIGHS;
    }

    /** The index of the first byte equal to {@code value} in {@code b[from, to)}, or -1. */
    static int indexOf(byte[] b, int from, int to, byte value) {
        long pattern = ONES * (value & 0xFF);
        int i = from;
        for (; i <= to - 8; i += 8) {
            long found = zeroBytes(word(b, i) ^ pattern);
            if (found != 0) {
                return i + (Long.numberOfTrailingZeros(found) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The index of the first byte in {@code b[from, to)} that may not appear in a field value (RFC 9110 section
     * 5.5: a control character other than HTAB, or DEL), or -1. Bytes from 0x80 (obs-text) are allowed.
     */
    static int indexOfControl(byte[] b, int from, int to) {
        int i = from;
        for (; i <= to - 8; i += 8) {
            long x = word(b, i);
            if ((bytesBelow(x, 0x20) | zeroBytes(x ^ (ONES * 0x7F))) != 0) {
                int bad = indexOfControlBytewise(b, i, i + 8);
                if (bad >= 0) {
                    return bad;
                }
            }
        }
        return indexOfControlBytewise(b, i, to);
    }

    private static int indexOfControlBytewise(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if ((c >= 0 && c < 0x20 && c != '\t') || c == 0x7F) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The index of the first byte in {@code b[from, to)} that is not a visible ASCII character (a control
     * character, space, DEL or a byte from 0x80) or is one of the two visible characters in {@code special}, or -1.
     */
    static int indexOfInvisibleOr(byte[] b, int from, int to, byte special1, byte special2) {
        long p1 = ONES * special1;
        long p2 = ONES * special2;
        int i = from;
        for (; i <= to - 8; i += 8) {
            long x = word(b, i);
            if ((bytesBelow(x, 0x21) | (x & HIGHS) | zeroBytes(x ^ (ONES * 0x7F)) | zeroBytes(x ^ p1)
                    | zeroBytes(x ^ p2)) != 0) {
                break;
            }
        }
        for (; i < to; i++) {
            byte c = b[i];
            if (c <= 0x20 || c == 0x7F || c == special1 || c == special2) {
                return i;
            }
        }
        return -1;
    }
}
