package io.weft.codec.http;

import io.weft.codec.DecoderException;
import java.util.Objects;

/**
 * An HTTP message could not be decoded. Carries the {@link #status()} a server answers it with before closing
 * the connection; subclasses name the kind of problem. Messages name the limit and the value seen.
 */
public class HttpDecoderException extends DecoderException {

    private final HttpResponseStatus status;

    /**
     * @param status  the response a server sends for this problem
     * @param message what went wrong, naming the limit and the value seen
     */
    public HttpDecoderException(HttpResponseStatus status, String message) {
        super(message);
        this.status = Objects.requireNonNull(status, "status");
    }

    /** The status a server answers with (for example 400, 413, 431, 501, 505). */
    public HttpResponseStatus status() {
        return status;
    }
}
