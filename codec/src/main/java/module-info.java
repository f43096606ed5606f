/**
 * Weft codecs: framing, compression, checksums, strings, HTTP/1.1 and TLS as pipeline stages.
 */
module io.weft.codec {
    requires transitive io.weft.core;
    requires org.slf4j;

    exports io.weft.codec;
    exports io.weft.codec.checksum;
    exports io.weft.codec.compress;
    exports io.weft.codec.crypto;
    exports io.weft.codec.fragment;
    exports io.weft.codec.frame;
    exports io.weft.codec.http;
    exports io.weft.codec.http.ops;
    exports io.weft.codec.http.proxy;
    exports io.weft.codec.string;
    exports io.weft.codec.tls;
}
