package io.weft.codec.compress;

/** The framing of deflate data used by {@link ZlibEncoder} and {@link ZlibDecoder}. */
public enum ZlibFormat {
    /** RFC 1950: a 2-byte header, the deflate data and an Adler-32 checksum; what {@code zlib.compress} makes. */
    ZLIB,
    /** RFC 1951 raw deflate data with no header or checksum ({@code wbits=-15} in zlib terms). */
    RAW
}
