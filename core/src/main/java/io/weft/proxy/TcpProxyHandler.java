package io.weft.proxy;

import io.weft.balance.Backend;
import io.weft.channel.ChannelOption;
import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoop;
import io.weft.pipeline.HandlerContext;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of a relay: on channel-active picks a backend and connects to it on this channel's loop,
 * retrying on other backends within the proxy's attempt budget, then relays. Reads nothing from the client until
 * the backend connection is up.
 */
final class TcpProxyHandler extends RelayHandler {

    private static final Logger log = LoggerFactory.getLogger(TcpProxyHandler.class);

    private final TcpProxy proxy;
    private final List<Backend> tried = new ArrayList<>(2);
    private BackendRelay backendRelay;

    TcpProxyHandler(TcpProxy proxy) {
        this.proxy = proxy;
    }

    @Override
    public void handlerAdded(HandlerContext ctx) {
        self = (TcpChannel) ctx.channel();
        self.setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        pauseReading();
    }

    @Override
    public void channelActive(HandlerContext ctx) {
        connectNext(ctx.loop());
        ctx.fireChannelActive();
    }

    private void connectNext(EventLoop loop) {
        if (!self.isOpen()) {
            return;
        }
        Backend backend = tried.size() < proxy.connectAttempts() ? proxy.backends().select(tried) : null;
        if (backend == null) {
            log.debug("{}: no backend available after {} attempt(s); closing", self, tried.size());
            self.close();
            return;
        }
        tried.add(backend);
        BackendRelay relay = new BackendRelay(this, backend);
        TcpChannel.connect(loop, backend.address(), proxy.backendOptions(), ch -> {
            if (proxy.backendInitializer() != null) {
                proxy.backendInitializer().initChannel(ch);
            }
            ch.pipeline().addLast("tcp-proxy-backend", relay);
        }).whenComplete((ch, error) -> {
            if (loop.inLoop()) {
                connected(loop, backend, relay, ch, error);
            } else {
                loop.execute(() -> connected(loop, backend, relay, ch, error));
            }
        });
    }

    private void connected(EventLoop loop, Backend backend, BackendRelay relay, TcpChannel ch, Throwable error) {
        if (error != null) {
            backend.recordFailure();
            relay.releaseSlot();
            log.debug("{}: connect to backend {} failed ({}), {} of {} attempts used", self, backend.address(),
                    error.getMessage(), tried.size(), proxy.connectAttempts());
            connectNext(loop);
            return;
        }
        backend.recordSuccess();
        if (!self.isOpen()) {
            ch.close(); // the client left while we connected; BackendRelay releases the slot when it closes
            return;
        }
        backendRelay = relay;
        peer = ch;
        relay.resumeReading();
        resumeReading();
    }

    @Override
    void countRead(long n) {
        backendRelay.backendCount(n);
    }

    @Override
    RelayHandler peerRelay() {
        return backendRelay;
    }
}
