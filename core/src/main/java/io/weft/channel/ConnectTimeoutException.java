package io.weft.channel;

import java.net.ConnectException;

/** A connection attempt did not complete within {@link ChannelOption#CONNECT_TIMEOUT_MILLIS}. */
public class ConnectTimeoutException extends ConnectException {

    /** @param message names the address and the timeout */
    public ConnectTimeoutException(String message) {
        super(message);
    }
}
