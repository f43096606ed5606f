package io.weft.channel;

/** A message of a type the transport cannot write reached the head of the pipeline. */
public class UnsupportedMessageTypeException extends IllegalArgumentException {

    /**
     * @param message  the rejected message
     * @param expected the types the transport accepts
     */
    public UnsupportedMessageTypeException(Object message, String expected) {
        super("cannot write " + (message == null ? "null" : message.getClass().getName()) + "; expected "
                + expected + " (is an encoder missing from the pipeline?)");
    }
}
