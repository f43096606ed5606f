package io.weft.benchmarks.codec;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoopGroup;
import java.util.concurrent.TimeUnit;

/** A connected, idle loopback channel for {@link DirectContext#channel()}; nothing is ever sent on it. */
final class IdleChannel implements AutoCloseable {

    private final EventLoopGroup group = new EventLoopGroup(1);
    private final Server server;
    final TcpChannel channel;

    IdleChannel() throws Exception {
        server = Server.builder().group(group).childHandler(ch -> { }).bind("127.0.0.1", 0);
        channel = Client.builder().group(group).connect(server.localAddress()).get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        channel.close();
        server.close();
        group.close();
    }
}
