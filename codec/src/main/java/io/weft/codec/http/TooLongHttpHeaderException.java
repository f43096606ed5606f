package io.weft.codec.http;

/** The header section is larger than the size limit or has more fields than the count limit. Answered with {@code 431 Request Header Fields Too Large}. Messages name the limit and the value seen. */
public class TooLongHttpHeaderException extends HttpDecoderException {

    /** @param message what went wrong, naming the limit and the value seen */
    public TooLongHttpHeaderException(String message) {
        super(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, message);
    }
}
