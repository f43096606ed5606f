package io.weft.codec.http;

/** The request line (or a response's status line) is longer than the limit. Answered with {@code 414 URI Too Long}. Messages name the limit and the value seen. */
public class TooLongHttpLineException extends HttpDecoderException {

    /** @param message what went wrong, naming the limit and the value seen */
    public TooLongHttpLineException(String message) {
        this(HttpResponseStatus.URI_TOO_LONG, message);
    }

    /**
     * @param status  the response a server sends
     * @param message what went wrong, naming the limit and the value seen
     */
    public TooLongHttpLineException(HttpResponseStatus status, String message) {
        super(status, message);
    }
}
