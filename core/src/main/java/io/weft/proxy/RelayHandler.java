package io.weft.proxy;

import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.Channel;
import io.weft.channel.ChannelInputShutdownEvent;
import io.weft.channel.ChannelOption;
import io.weft.channel.TcpChannel;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One direction's half of a relay: what this channel reads is written to {@link #peer}, with back-pressure and
 * half-close passed across. Both channels of a relay are on one loop, so no state here is shared across threads.
 * The client side ({@link TcpProxyHandler}) and the backend side ({@link BackendRelay}) differ only in how the
 * relay starts and which byte counter they feed.
 */
abstract class RelayHandler implements Handler {

    private static final Logger log = LoggerFactory.getLogger(RelayHandler.class);

    /** The other side, once connected; {@code null} before. */
    TcpChannel peer;
    /** This side's channel. */
    TcpChannel self;

    /** Counts {@code n} relayed bytes read from this side. */
    abstract void countRead(long n);

    /** The peer, once known: the relay's other handler (to resume its reading). */
    abstract RelayHandler peerRelay();

    @Override
    public void channelRead(HandlerContext ctx, Object msg) {
        TcpChannel out = peer;
        if (out == null || !out.isOpen()) {
            ReferenceCounted.safeRelease(msg);
            return;
        }
        if (msg instanceof Buffer buffer) {
            countRead(buffer.readableBytes());
        }
        out.write(msg);
    }

    @Override
    public void channelReadComplete(HandlerContext ctx) {
        TcpChannel out = peer;
        if (out != null) {
            out.flush();
            if (!out.isWritable() && out.isOpen()) {
                // The peer cannot keep up: stop reading here until it drains (see writabilityChanged).
                pauseReading();
            }
        }
    }

    /** This side's queue drained below the low water mark: the peer may read again. */
    @Override
    public void writabilityChanged(HandlerContext ctx) {
        if (self != null && self.isWritable()) {
            RelayHandler other = peerRelay();
            if (other != null) {
                other.resumeReading();
            }
        }
        ctx.fireWritabilityChanged();
    }

    void pauseReading() {
        self.setOption(ChannelOption.AUTO_READ, false);
    }

    void resumeReading() {
        // Re-enabling reads after the peer's FIN would read the end of stream again and close the channel early.
        if (self != null && self.isOpen() && !self.isInputShutdown()) {
            self.setOption(ChannelOption.AUTO_READ, true);
        }
    }

    @Override
    public void userEvent(HandlerContext ctx, Object event) {
        if (event == ChannelInputShutdownEvent.INSTANCE) {
            // Half-close: pass the FIN on after the bytes queued before it.
            TcpChannel out = peer;
            if (out != null && out.isOpen()) {
                out.shutdownOutput();
            }
            return;
        }
        ctx.fireUserEvent(event);
    }

    @Override
    public void channelInactive(HandlerContext ctx) {
        closePeerAfterFlush();
        ctx.fireChannelInactive();
    }

    /** Lets the peer send what is queued for it, then closes it. */
    void closePeerAfterFlush() {
        TcpChannel out = peer;
        if (out == null || !out.isOpen()) {
            return;
        }
        if (out.isOutputShutdown()) {
            out.close();
        } else {
            out.flush();
            out.shutdownOutput().whenComplete((v, t) -> out.close());
        }
    }

    @Override
    public void exceptionCaught(HandlerContext ctx, Throwable cause) {
        log.debug("{}: closing both sides of the relay: {}", ctx.channel(), cause.toString());
        TcpChannel out = peer;
        if (out != null) {
            out.close();
        }
        ctx.close();
    }

    static boolean isOpen(Channel channel) {
        return channel != null && channel.isOpen();
    }
}
