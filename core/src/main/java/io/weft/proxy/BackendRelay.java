package io.weft.proxy;

import io.weft.balance.Backend;
import io.weft.channel.TcpChannel;
import io.weft.pipeline.HandlerContext;

/** The backend side of a relay: installed on the backend connection, writes what it reads to the client. */
final class BackendRelay extends RelayHandler {

    private final TcpProxyHandler client;
    private final Backend backend;
    private boolean released;

    BackendRelay(TcpProxyHandler client, Backend backend) {
        this.client = client;
        this.backend = backend;
    }

    @Override
    public void handlerAdded(HandlerContext ctx) {
        self = (TcpChannel) ctx.channel();
        peer = client.self;
        // Like the client side, read nothing until the relay is wired up.
        pauseReading();
    }

    @Override
    void countRead(long n) {
        backend.addBytesFromBackend(n);
    }

    /** Counts bytes the client side relays to this backend. */
    void backendCount(long n) {
        backend.addBytesToBackend(n);
    }

    @Override
    RelayHandler peerRelay() {
        return client;
    }

    @Override
    public void channelInactive(HandlerContext ctx) {
        releaseSlot();
        super.channelInactive(ctx);
    }

    /** Gives the backend's connection slot back, once. */
    void releaseSlot() {
        if (!released) {
            released = true;
            backend.release();
        }
    }
}
