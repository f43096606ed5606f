package io.weft.codec.checksum;

import java.util.zip.Checksum;

/** The 32-bit checksums {@link ChecksumEncoder} and {@link ChecksumDecoder} support; both use JDK intrinsics. */
public enum ChecksumType {
    /** CRC-32 (ISO-HDLC, as in gzip, zip, PNG and Ethernet): CRC32("123456789") = 0xCBF43926. */
    CRC32 {
        @Override
        public Checksum newChecksum() {
            return new java.util.zip.CRC32();
        }
    },
    /** CRC-32C (Castagnoli, as in iSCSI, SCTP, ext4): CRC32C("123456789") = 0xE3069283. */
    CRC32C {
        @Override
        public Checksum newChecksum() {
            return new java.util.zip.CRC32C();
        }
    };

    /** A fresh checksum object; not thread-safe. */
    public abstract Checksum newChecksum();

}
