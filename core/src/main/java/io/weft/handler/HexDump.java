package io.weft.handler;

import io.weft.buffer.Buffer;

/** Formats the readable bytes of a buffer as a classic 16-bytes-per-row hex dump, without moving its indexes. */
final class HexDump {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private HexDump() {
    }

    /**
     * "{@code N B}" followed, if {@code maxBytes > 0} and the buffer is readable, by rows of
     * {@code offset  hex bytes  |ascii|}; at most {@code maxBytes} bytes are shown, then a note of how many were left
     * out.
     */
    static String dump(Buffer buffer, int maxBytes) {
        if (buffer.refCnt() == 0) {
            return "(released buffer)";
        }
        int readable = buffer.readableBytes();
        int shown = Math.min(readable, maxBytes);
        StringBuilder out = new StringBuilder(32 + (shown / 16 + 1) * 80);
        out.append(readable).append(" B");
        int start = buffer.readerIndex();
        for (int row = 0; row < shown; row += 16) {
            out.append('\n');
            appendHex(out, row, 8);
            out.append("  ");
            int end = Math.min(row + 16, shown);
            for (int i = row; i < row + 16; i++) {
                if (i < end) {
                    int b = buffer.getByte(start + i) & 0xFF;
                    out.append(HEX[b >>> 4]).append(HEX[b & 0xF]);
                } else {
                    out.append("  ");
                }
                out.append(i == row + 7 ? "  " : " ");
            }
            out.append(" |");
            for (int i = row; i < end; i++) {
                int b = buffer.getByte(start + i) & 0xFF;
                out.append(b >= 0x20 && b < 0x7F ? (char) b : '.');
            }
            out.append('|');
        }
        if (shown < readable && maxBytes > 0) {
            out.append("\n... ").append(readable - shown).append(" more bytes not shown");
        }
        return out.toString();
    }

    private static void appendHex(StringBuilder out, int value, int digits) {
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            out.append(HEX[(value >>> shift) & 0xF]);
        }
    }
}
