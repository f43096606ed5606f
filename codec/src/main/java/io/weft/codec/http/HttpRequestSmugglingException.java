package io.weft.codec.http;

/** The message's framing is ambiguous: content-length together with transfer-encoding, differing content-length values, or a transfer-encoding that does not end in chunked (RFC 9112 section 6.3). Such a request is rejected and the connection closed, never guessed at. Answered with {@code 400 Bad Request}. Messages name the limit and the value seen. */
public class HttpRequestSmugglingException extends HttpDecoderException {

    /** @param message what went wrong, naming the limit and the value seen */
    public HttpRequestSmugglingException(String message) {
        super(HttpResponseStatus.BAD_REQUEST, message);
    }
}
