package io.weft.codec.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The word-at-a-time scans agree with a plain byte loop at every offset, length and byte value. */
class AsciiTablesTest {

    @Test
    void wordScansAgreeWithByteLoops() {
        SplittableRandom random = new SplittableRandom(14);
        byte[] specials = {'\n', '\r', '#', '%', ' ', '\t', 0, 0x1F, 0x20, 0x21, 0x7E, 0x7F, (byte) 0x80, (byte) 0xFF};
        for (int round = 0; round < 20_000; round++) {
            byte[] b = new byte[random.nextInt(1, 40)];
            for (int i = 0; i < b.length; i++) {
                // Mostly visible ASCII, sometimes one of the bytes the scans look for or any byte at all.
                int kind = random.nextInt(10);
                b[i] = kind == 0 ? specials[random.nextInt(specials.length)]
                        : kind == 1 ? (byte) random.nextInt(256) : (byte) random.nextInt(0x21, 0x7F);
            }
            int from = random.nextInt(b.length + 1);
            int to = random.nextInt(from, b.length + 1);
            byte value = specials[random.nextInt(specials.length)];
            String where = "round " + round;
            assertEquals(plainIndexOf(b, from, to, value), AsciiTables.indexOf(b, from, to, value), where);
            assertEquals(plainControl(b, from, to), AsciiTables.indexOfControl(b, from, to), where);
            assertEquals(plainInvisibleOr(b, from, to, (byte) '#', (byte) '%'),
                    AsciiTables.indexOfInvisibleOr(b, from, to, (byte) '#', (byte) '%'), where);
        }
    }

    private static int plainIndexOf(byte[] b, int from, int to, byte value) {
        for (int i = from; i < to; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }

    private static int plainControl(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            int c = b[i] & 0xFF;
            if ((c < 0x20 && c != '\t') || c == 0x7F) {
                return i;
            }
        }
        return -1;
    }

    private static int plainInvisibleOr(byte[] b, int from, int to, byte x, byte y) {
        for (int i = from; i < to; i++) {
            int c = b[i] & 0xFF;
            if (c <= 0x20 || c >= 0x7F || c == x || c == y) {
                return i;
            }
        }
        return -1;
    }
}
