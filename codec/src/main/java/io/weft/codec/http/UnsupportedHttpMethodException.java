package io.weft.codec.http;

/** The request method is a valid token but not one the server implements. Answered with {@code 501 Not Implemented}. Messages name the value seen. */
public class UnsupportedHttpMethodException extends HttpDecoderException {

    /** @param message what went wrong, naming the value seen */
    public UnsupportedHttpMethodException(String message) {
        super(HttpResponseStatus.NOT_IMPLEMENTED, message);
    }
}
