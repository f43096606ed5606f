package io.weft.handler.traffic;

/** A write exceeded the bound on bytes a {@link TrafficShapingHandler} may hold back. */
public class TrafficShapingException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** With a message naming the limit and the value seen. */
    public TrafficShapingException(String message) {
        super(message);
    }
}
