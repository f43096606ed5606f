package io.weft.channel;

/**
 * User event fired when the peer shut down its output (end of stream) and
 * {@link ChannelOption#ALLOW_HALF_CLOSURE} is on: no more data will arrive, but the channel can still write.
 */
public final class ChannelInputShutdownEvent {

    /** The single instance. */
    public static final ChannelInputShutdownEvent INSTANCE = new ChannelInputShutdownEvent();

    private ChannelInputShutdownEvent() {
    }

    @Override
    public String toString() {
        return "ChannelInputShutdownEvent";
    }
}
