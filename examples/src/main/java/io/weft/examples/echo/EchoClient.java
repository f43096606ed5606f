package io.weft.examples.echo;

import io.weft.bootstrap.Client;
import io.weft.buffer.Buffer;
import io.weft.channel.TcpChannel;
import io.weft.examples.Cli;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends a line to an echo server and prints what comes back.
 *
 * <p>Usage: {@code EchoClient [host] [port] [message]} (defaults 127.0.0.1, 8007, "hello, weft").
 */
public final class EchoClient {

    private EchoClient() {
    }

    /** Connects, sends the message, waits for the echo and prints it. */
    public static void main(String[] args) {
        Cli.main("EchoClient [host] [port] [message]   (defaults 127.0.0.1 8007 \"hello, weft\")", args, a -> {
            a.atMost(3);
            String host = a.host(0, "127.0.0.1");
            int port = a.integer(1, "port", 8007, 1, 65_535);
            System.out.println(echo(host, port, a.string(2, "hello, weft")));
        });
    }

    /** Sends {@code message} and returns the echoed text. */
    public static String echo(String host, int port, String message) throws Exception {
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
                    .connect(host, port).get(10, TimeUnit.SECONDS);
            channel.writeAndFlush(channel.allocator().copyOf(bytes));
            return done.get(10, TimeUnit.SECONDS);
        }
    }
}
