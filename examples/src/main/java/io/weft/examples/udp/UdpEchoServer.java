package io.weft.examples.udp;

import io.weft.bootstrap.Udp;
import io.weft.channel.Datagram;
import io.weft.channel.DatagramTooLargeException;
import io.weft.channel.UdpChannel;
import io.weft.examples.Cli;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends every datagram back to its sender. Try it with {@code UdpEchoClient} or {@code nc -u 127.0.0.1 9007}.
 *
 * <p>Usage: {@code UdpEchoServer [port]} (default 9007).
 */
public final class UdpEchoServer {

    private static final Logger log = LoggerFactory.getLogger(UdpEchoServer.class);

    /** Answers each datagram with the same payload, to its sender; flushes once per batch of reads. */
    static final class DatagramEchoHandler implements Handler {
        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            Datagram in = (Datagram) msg;
            ctx.write(new Datagram(in.content(), in.sender())); // the payload buffer moves to the reply
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            if (cause instanceof DatagramTooLargeException tooLarge) {
                log.debug("ignored an oversized datagram: {}", tooLarge.getMessage()); // the channel keeps serving
            } else {
                ctx.fireExceptionCaught(cause);
            }
        }
    }

    private UdpEchoServer() {
    }

    /** Binds {@code host:port} on {@code group} and starts echoing. */
    public static UdpChannel start(EventLoopGroup group, String host, int port) {
        return Udp.builder().group(group)
                .handler(ch -> ch.pipeline().addLast("echo", new DatagramEchoHandler()))
                .bind(host, port).join();
    }

    /** Starts the server and blocks until it is closed. */
    public static void main(String[] args) {
        Cli.main("UdpEchoServer [port]   (default 9007; 0 picks a free port)", args, a -> {
            int port = a.atMost(1).port(0, 9007);
            EventLoopGroup group = new EventLoopGroup(1);
            UdpChannel channel;
            try {
                channel = start(group, "0.0.0.0", port);
            } catch (RuntimeException e) {
                group.close();
                throw e;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                channel.close().join();
                group.close();
            }));
            log.info("UDP echo server listening on {}", channel.localAddress());
            channel.closeFuture().join();
        });
    }
}
