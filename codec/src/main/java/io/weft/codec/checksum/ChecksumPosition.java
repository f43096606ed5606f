package io.weft.codec.checksum;

/** Where {@link ChecksumEncoder} puts the 4-byte checksum and where {@link ChecksumDecoder} expects it. */
public enum ChecksumPosition {
    /** Before the frame's payload. */
    PREPEND,
    /** After the frame's payload (the default). */
    APPEND
}
