package io.weft.examples.udp;

import io.weft.bootstrap.Udp;
import io.weft.channel.Datagram;
import io.weft.channel.UdpChannel;
import io.weft.examples.Cli;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends a datagram to a UDP echo server and prints the answer. UDP may lose datagrams, so it resends a few times
 * before giving up.
 *
 * <p>Usage: {@code UdpEchoClient [host] [port] [message]} (defaults 127.0.0.1, 9007, "hello, weft").
 */
public final class UdpEchoClient {

    private UdpEchoClient() {
    }

    /** Sends the message, waits for the echo and prints it. */
    public static void main(String[] args) {
        Cli.main("UdpEchoClient [host] [port] [message]   (defaults 127.0.0.1 9007 \"hello, weft\")", args, a -> {
            a.atMost(3);
            String host = a.host(0, "127.0.0.1");
            int port = a.integer(1, "port", 9007, 1, 65_535);
            System.out.println(echo(host, port, a.string(2, "hello, weft")));
        });
    }

    /** Sends {@code message} to {@code host:port} (up to 5 tries, 1 s apart) and returns the echoed text. */
    public static String echo(String host, int port, String message) throws Exception {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        InetSocketAddress server = new InetSocketAddress(host, port);
        CompletableFuture<String> answer = new CompletableFuture<>();
        try (EventLoopGroup group = new EventLoopGroup(1)) {
            UdpChannel channel = Udp.builder().group(group)
                    .handler(ch -> ch.pipeline().addLast("answer", new Handler() {
                        @Override
                        public void channelRead(HandlerContext ctx, Object msg) {
                            Datagram datagram = (Datagram) msg;
                            try {
                                answer.complete(datagram.content().toString(StandardCharsets.UTF_8));
                            } finally {
                                datagram.release();
                            }
                        }
                    }))
                    // A loopback server is answered from a loopback port; any other from all interfaces.
                    .bind(server.getAddress().isLoopbackAddress() ? new InetSocketAddress(server.getAddress(), 0)
                            : new InetSocketAddress(0))
                    .get(10, TimeUnit.SECONDS);
            try {
                for (int attempt = 1; ; attempt++) {
                    channel.writeAndFlush(new Datagram(channel.allocator().copyOf(bytes), server));
                    try {
                        return answer.get(1, TimeUnit.SECONDS);
                    } catch (TimeoutException e) {
                        if (attempt == 5) {
                            throw new TimeoutException("no answer from " + server + " after " + attempt + " tries");
                        }
                    }
                }
            } finally {
                channel.close().join();
            }
        }
    }
}
