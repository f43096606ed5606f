package io.weft.channel;

/**
 * Sets up a new channel's pipeline. Runs once per channel, on the channel's loop, after the channel is registered
 * and before it becomes active, so handlers added here see every event.
 */
@FunctionalInterface
public interface ChannelInitializer {

    /** Adds handlers to {@code channel.pipeline()}. An exception closes the channel. */
    void initChannel(Channel channel) throws Exception;
}
