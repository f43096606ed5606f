package io.weft.codec.http;

/** The body is larger than the limit (announced by content-length or counted while reading chunks). Answered with {@code 413 Content Too Large}. Messages name the limit and the value seen. */
public class TooLongHttpContentException extends HttpDecoderException {

    /** @param message what went wrong, naming the limit and the value seen */
    public TooLongHttpContentException(String message) {
        super(HttpResponseStatus.CONTENT_TOO_LARGE, message);
    }
}
