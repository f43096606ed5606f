package io.weft.codec.tls;

import io.weft.buffer.Buffer;

/** The TLS record layer as far as {@link TlsHandler} must see it: header checks before the engine runs. */
final class TlsRecords {

    /** Size of a TLS record header: type, version, length. */
    static final int RECORD_HEADER_LENGTH = 5;
    /** Largest record payload RFC 5246 allows (2^14 + 2048); a longer length field is rejected. */
    static final int MAX_RECORD_PAYLOAD = (1 << 14) + 2048;

    private TlsRecords() {
    }

    /**
     * Validates the record header at the reader index.
     *
     * @return the whole record's length, or -1 if the header is incomplete
     * @throws NotSslRecordException if the bytes cannot start a TLS record
     */
    static int checkRecord(Buffer in) {
        int readable = in.readableBytes();
        if (readable == 0) {
            return -1;
        }
        int i = in.readerIndex();
        int type = in.getUnsignedByte(i);
        if (type < 20 || type > 24 || (readable > 1 && in.getUnsignedByte(i + 1) != 3)
                || (readable > 2 && in.getUnsignedByte(i + 2) > 4)) {
            throw new NotSslRecordException(describeNotTls(in));
        }
        if (readable < RECORD_HEADER_LENGTH) {
            return -1;
        }
        int length = in.getUnsignedShort(i + 3);
        if (length > MAX_RECORD_PAYLOAD) {
            throw new TlsException("TLS record length " + length + " exceeds the limit of " + MAX_RECORD_PAYLOAD
                    + " (content type " + type + ")");
        }
        return RECORD_HEADER_LENGTH + length;
    }

    private static String describeNotTls(Buffer in) {
        int n = Math.min(16, in.readableBytes());
        StringBuilder hex = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (int k = 0; k < n; k++) {
            int b = in.getUnsignedByte(in.readerIndex() + k);
            if (k > 0) {
                hex.append(' ');
            }
            hex.append(Character.forDigit(b >> 4, 16)).append(Character.forDigit(b & 0xF, 16));
            text.append(b >= 0x20 && b < 0x7F ? (char) b : '.');
        }
        return "not a TLS record: received " + hex + " (\"" + text + "\""
                + (in.readableBytes() > n ? ", " + in.readableBytes() + " bytes in all" : "")
                + ") where a TLS record header (content type 20-24, version 3.x) was expected;"
                + " is the peer speaking plaintext?";
    }
}
