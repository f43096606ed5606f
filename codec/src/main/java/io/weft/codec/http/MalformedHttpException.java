package io.weft.codec.http;

/** The bytes do not follow the HTTP/1.1 syntax (RFC 9112): bad request line, header without colon, bad chunk size, bare CR, obsolete line folding. Answered with {@code 400 Bad Request}. Messages name the limit and the value seen. */
public class MalformedHttpException extends HttpDecoderException {

    /** @param message what went wrong, naming the limit and the value seen */
    public MalformedHttpException(String message) {
        super(HttpResponseStatus.BAD_REQUEST, message);
    }
}
