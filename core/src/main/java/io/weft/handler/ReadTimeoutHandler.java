package io.weft.handler;

import io.weft.pipeline.HandlerContext;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the channel when nothing has been read for the timeout: fires a {@link ReadTimeoutException} through the
 * pipeline, then closes. Put it near the head of the pipeline. Built on {@link IdleStateHandler}'s reader timer: one
 * loop timer per channel, no thread, no re-arming per read.
 *
 * <p>An instance keeps per-channel state: create one per channel.
 */
public class ReadTimeoutHandler extends IdleStateHandler {

    private static final Logger log = LoggerFactory.getLogger(ReadTimeoutHandler.class);

    private final long timeoutMillis;
    private boolean closed;

    /** @param timeoutSeconds seconds without a read before the channel is closed */
    public ReadTimeoutHandler(int timeoutSeconds) {
        this(timeoutSeconds, TimeUnit.SECONDS);
    }

    /**
     * @param timeout time without a read before the channel is closed; must be positive
     * @param unit    its unit
     */
    public ReadTimeoutHandler(long timeout, TimeUnit unit) {
        super(requirePositive(timeout), 0, 0, unit);
        this.timeoutMillis = unit.toMillis(timeout);
    }

    private static long requirePositive(long timeout) {
        if (timeout <= 0) {
            throw new IllegalArgumentException("read timeout must be positive, was " + timeout);
        }
        return timeout;
    }

    @Override
    protected final void channelIdle(HandlerContext ctx, IdleStateEvent event) throws Exception {
        if (event.state() == IdleState.READER_IDLE) {
            readTimedOut(ctx);
        }
    }

    /** Fires a {@link ReadTimeoutException} and closes the channel; called once. */
    protected void readTimedOut(HandlerContext ctx) throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        log.debug("{}: read timeout of {} ms exceeded; closing", ctx.channel(), timeoutMillis);
        ctx.fireExceptionCaught(new ReadTimeoutException(timeoutMillis));
        ctx.close();
    }
}
