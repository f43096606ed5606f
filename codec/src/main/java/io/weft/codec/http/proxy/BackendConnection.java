package io.weft.codec.http.proxy;

import io.weft.balance.Backend;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.ChannelOption;
import io.weft.channel.TcpChannel;
import io.weft.codec.http.HttpContent;
import io.weft.codec.http.HttpResponse;
import io.weft.loop.ScheduledTask;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;

/**
 * One keep-alive connection to a backend, after its {@code HttpClientCodec}: passes the response of the exchange
 * it serves to that exchange's client side. Between exchanges it sits idle in the {@link ConnectionPool}.
 */
final class BackendConnection implements Handler {

    private final Backend backend;
    private final HttpReverseProxy proxy;
    private TcpChannel channel;
    private ScheduledTask idleTimer;
    /** The exchange being served, or {@code null} while idle. */
    FrontendHandler.Exchange exchange;

    BackendConnection(Backend backend, HttpReverseProxy proxy) {
        this.backend = backend;
        this.proxy = proxy;
    }

    Backend backend() {
        return backend;
    }

    TcpChannel channel() {
        return channel;
    }

    void idleTimer(ScheduledTask timer) {
        this.idleTimer = timer;
    }

    void cancelIdleTimer() {
        if (idleTimer != null) {
            idleTimer.cancel();
            idleTimer = null;
        }
    }

    void setAutoRead(boolean on) {
        if (channel.isOpen()) {
            channel.setOption(ChannelOption.AUTO_READ, on);
        }
    }

    @Override
    public void handlerAdded(HandlerContext ctx) {
        channel = (TcpChannel) ctx.channel();
    }

    @Override
    public void channelRead(HandlerContext ctx, Object msg) {
        FrontendHandler.Exchange ex = exchange;
        if (ex == null) {
            // Nothing was asked: a backend talking out of turn cannot be trusted with the next request.
            ReferenceCounted.safeRelease(msg);
            ctx.close();
            return;
        }
        if (msg instanceof HttpResponse response) {
            ex.responseHead(response);
        } else if (msg instanceof HttpContent content) {
            ex.responseContent(content);
        } else {
            ReferenceCounted.safeRelease(msg);
        }
    }

    @Override
    public void channelReadComplete(HandlerContext ctx) {
        FrontendHandler.Exchange ex = exchange;
        if (ex != null) {
            ex.responseBatchDone();
        }
    }

    @Override
    public void writabilityChanged(HandlerContext ctx) {
        FrontendHandler.Exchange ex = exchange;
        if (ex != null && channel.isWritable()) {
            ex.backendWritable();
        }
    }

    @Override
    public void channelInactive(HandlerContext ctx) {
        cancelIdleTimer();
        proxy.pool.remove(this);
        FrontendHandler.Exchange ex = exchange;
        if (ex != null) {
            ex.backendFailed(this, "backend closed the connection", false);
        }
    }

    @Override
    public void exceptionCaught(HandlerContext ctx, Throwable cause) {
        FrontendHandler.Exchange ex = exchange;
        if (ex != null) {
            ex.backendFailed(this, cause.toString(), false);
        }
        ctx.close();
    }
}
