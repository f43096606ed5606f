package io.weft.channel;

import io.weft.buffer.Buffer;
import io.weft.buffer.BufferHolder;
import io.weft.buffer.ReferenceCounted;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One UDP datagram: its payload and its addresses. A {@link UdpChannel} fires a {@code Datagram} for every datagram
 * it receives ({@link #sender()} is the peer, {@link #recipient()} the channel's local address) and writes every
 * {@code Datagram} it is given to {@link #recipient()}.
 *
 * <p>The datagram owns its {@link #content()}: the reference-count methods delegate to the content, so releasing
 * the datagram releases the payload, and {@link ReferenceCounted#release(Object)} works on it like on a buffer.
 * To answer a datagram without copying, hand its content on: {@code ctx.write(new Datagram(in.content(),
 * in.sender()))} transfers ownership of the buffer to the new datagram.
 */
public final class Datagram implements BufferHolder {

    private final Buffer content;
    private final InetSocketAddress recipient;
    private final InetSocketAddress sender;

    /**
     * An outbound datagram.
     *
     * @param content   the payload; the datagram owns it now
     * @param recipient where to send it; {@code null} on a connected channel means its remote address
     */
    public Datagram(Buffer content, InetSocketAddress recipient) {
        this(content, recipient, null);
    }

    /**
     * @param content   the payload; the datagram owns it now
     * @param recipient where it goes (for received datagrams: the local address)
     * @param sender    where it came from; {@code null} for outbound datagrams
     */
    public Datagram(Buffer content, InetSocketAddress recipient, InetSocketAddress sender) {
        this.content = Objects.requireNonNull(content, "content");
        this.recipient = recipient;
        this.sender = sender;
    }

    /** The payload, from its reader index to its writer index. */
    public Buffer content() {
        return content;
    }

    /** The destination: the peer for outbound datagrams, the local address for received ones; may be {@code null}. */
    public InetSocketAddress recipient() {
        return recipient;
    }

    /** The source of a received datagram; {@code null} for outbound ones. */
    public InetSocketAddress sender() {
        return sender;
    }

    @Override
    public Datagram retain() {
        BufferHolder.super.retain();
        return this;
    }

    @Override
    public Datagram retain(int increment) {
        BufferHolder.super.retain(increment);
        return this;
    }

    @Override
    public Datagram touch(Object hint) {
        BufferHolder.super.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "Datagram(" + (sender == null ? "" : sender + " -> ") + recipient + ", "
                + (content.refCnt() > 0 ? content.readableBytes() + " bytes" : "released") + ")";
    }
}
