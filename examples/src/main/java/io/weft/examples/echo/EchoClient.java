package io.weft.examples.echo;

import io.weft.bootstrap.Client;
import io.weft.buffer.Buffer;
import io.weft.channel.TcpChannel;
import io.weft.examples.Cli;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends a line to an echo server and prints what comes back.
 *
 * <p>Usage: {@code EchoClient [host] [port] [message]} (defaults 127.0.0.1, 8007, "hello, weft"), or
 * {@code EchoClient socket-path [message]} for a server on a Unix domain socket: a first argument containing
 * {@code /} is the socket's path, for example {@code EchoClient /tmp/echo.sock hello}.
 */
public final class EchoClient {

    private EchoClient() {
    }

    /** Connects, sends the message, waits for the echo and prints it. */
    public static void main(String[] args) {
        Cli.main("EchoClient [host] [port] [message]   (defaults 127.0.0.1 8007 \"hello, weft\"), or"
                + " EchoClient socket-path [message]   (a first argument containing / is a Unix domain socket)",
                args, a -> {
                    if (a.has(0) && a.string(0, "").contains("/")) {
                        a.atMost(2);
                        UnixDomainSocketAddress path = UnixDomainSocketAddress.of(a.string(0, ""));
                        System.out.println(echo(path, a.string(1, "hello, weft")));
                        return;
                    }
                    a.atMost(3);
                    String host = a.host(0, "127.0.0.1");
                    int port = a.integer(1, "port", 8007, 1, 65_535);
                    System.out.println(echo(host, port, a.string(2, "hello, weft")));
                });
    }

    /** Sends {@code message} to {@code host:port} and returns the echoed text. */
    public static String echo(String host, int port, String message) throws Exception {
        return echo(new InetSocketAddress(host, port), message);
    }

    /**
     * Sends {@code message} to {@code server} (a TCP address or a Unix domain socket address) and returns the
     * echoed text.
     */
    public static String echo(SocketAddress server, String message) throws Exception {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        StringBuilder received = new StringBuilder();
        CompletableFuture<String> done = new CompletableFuture<>();
        try (EventLoopGroup group = new EventLoopGroup(1)) {
            TcpChannel channel = Client.builder().group(group)
                    .handler(ch -> ch.pipeline().addLast("print", new Handler() {
                        private int count;

                        @Override
                        public void channelRead(HandlerContext ctx, Object msg) {
                            Buffer buffer = (Buffer) msg;
                            try {
                                count += buffer.readableBytes();
                                received.append(buffer.toString(StandardCharsets.UTF_8));
                            } finally {
                                buffer.release();
                            }
                            if (count >= bytes.length) {
                                done.complete(received.toString());
                                ctx.close();
                            }
                        }
                    }))
                    .connect(server).get(10, TimeUnit.SECONDS);
            channel.writeAndFlush(channel.allocator().copyOf(bytes));
            return done.get(10, TimeUnit.SECONDS);
        }
    }
}
