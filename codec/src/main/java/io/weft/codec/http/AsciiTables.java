package io.weft.codec.http;

/** Lookup tables of allowed ASCII characters, shared by the request parser and the Host validator. */
final class AsciiTables {

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
}
