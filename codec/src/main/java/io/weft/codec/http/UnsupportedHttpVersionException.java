package io.weft.codec.http;

/** The message has a well-formed version other than HTTP/1.0 or HTTP/1.1. Answered with {@code 505 HTTP Version Not Supported}. Messages name the limit and the value seen. */
public class UnsupportedHttpVersionException extends HttpDecoderException {

    /** @param message what went wrong, naming the limit and the value seen */
    public UnsupportedHttpVersionException(String message) {
        super(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, message);
    }
}
