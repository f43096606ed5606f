package io.weft.examples.chat;

import io.weft.bootstrap.Server;
import io.weft.channel.TcpChannel;
import io.weft.codec.TooLongFrameException;
import io.weft.codec.frame.LineFrameDecoder;
import io.weft.codec.string.StringDecoder;
import io.weft.codec.string.StringEncoder;
import io.weft.examples.Cli;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A line chat: every line a client sends is broadcast to every other client. Try it with
 * {@code nc 127.0.0.1 8023} in a few terminals. Pipeline: lines ({@code \n} or {@code \r\n}, at most 1 KiB) →
 * UTF-8 strings → {@link ChatHandler}; outbound strings are UTF-8 encoded with a {@code \n} appended.
 *
 * <p>A member that does not read what it is sent is disconnected: a line for a member that already has more than
 * {@link #MAX_PENDING_BYTES} (256 KiB) waiting to be written is not queued; that member is closed instead, so
 * one stalled client costs the server at most that much memory and never slows down the others.
 */
public final class ChatServer {

    /** Outbound bytes a member may have waiting before it counts as not reading and is disconnected. */
    public static final long MAX_PENDING_BYTES = 256 * 1024;

    static final String USAGE = "ChatServer [port]   (default 8023; 0 picks a free port)";

    /** Starts the chat on {@code host:port} (port 0 picks a free one). */
    public static Server start(EventLoopGroup group, String host, int port) {
        Set<TcpChannel> members = ConcurrentHashMap.newKeySet();
        StringEncoder encoder = new StringEncoder(StandardCharsets.UTF_8, "\n"); // stateless: shared
        return Server.builder().group(group).childHandler(ch -> ch.pipeline()
                .addLast("lines", new LineFrameDecoder(1024).discardTooLongFrames(true))
                .addLast("utf8", new StringDecoder())
                .addLast("encoder", encoder)
                .addLast("chat", new ChatHandler(members)))
                .bind(host, port);
    }

    /** Broadcasts each line to the other members; runs on the sender's loop. */
    static final class ChatHandler implements Handler {
        private final Set<TcpChannel> members;
        private String name;

        ChatHandler(Set<TcpChannel> members) {
            this.members = members;
        }

        @Override
        public void channelActive(HandlerContext ctx) {
            name = "user-" + ctx.channel().id();
            members.add((TcpChannel) ctx.channel());
            ctx.writeAndFlush("welcome, " + name + " (" + members.size() + " online)");
            broadcast(ctx, "* " + name + " joined");
        }

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            String line = ((String) msg).strip();
            if (line.equals("/quit")) {
                ctx.close();
            } else if (!line.isEmpty()) {
                broadcast(ctx, "[" + name + "] " + line);
            }
        }

        @Override
        public void channelInactive(HandlerContext ctx) {
            members.remove(ctx.channel());
            broadcast(ctx, "* " + name + " left");
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            if (cause instanceof TooLongFrameException) {
                ctx.writeAndFlush("* line too long, ignored"); // discard mode: the connection stays up
            } else {
                ctx.fireExceptionCaught(cause);
            }
        }

        private void broadcast(HandlerContext ctx, String text) {
            for (TcpChannel member : members) {
                if (member != ctx.channel()) {
                    // The member may live on another loop: decide there, where its outbound buffer is known.
                    member.loop().execute(() -> deliver(member, text));
                }
            }
        }

        /** Runs on the member's loop: queue the line, or disconnect a member that stopped reading. */
        private static void deliver(TcpChannel member, String text) {
            if (!member.isOpen()) {
                return;
            }
            if (member.pendingOutboundBytes() > MAX_PENDING_BYTES) {
                member.close(); // a slow member is dropped, not buffered for without bound
                return;
            }
            member.writeAndFlush(text);
        }
    }

    /** {@code ChatServer [port]}: runs until killed. */
    public static void main(String[] args) {
        Cli.main(USAGE, args, a -> {
            int port = a.atMost(1).port(0, 8023);
            try (EventLoopGroup group = new EventLoopGroup()) {
                Server server = start(group, "127.0.0.1", port);
                System.out.println("chat on " + server.localAddress() + " - try: nc 127.0.0.1 " + server.port());
                server.closeFuture().get();
            }
        });
    }
}
