package io.weft.examples.chat;

import io.weft.bootstrap.Server;
import io.weft.channel.Channel;
import io.weft.codec.TooLongFrameException;
import io.weft.codec.frame.LineFrameDecoder;
import io.weft.codec.string.StringDecoder;
import io.weft.codec.string.StringEncoder;
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
 */
public final class ChatServer {

    /** Starts the chat on {@code host:port} (port 0 picks a free one). */
    public static Server start(EventLoopGroup group, String host, int port) {
        Set<Channel> members = ConcurrentHashMap.newKeySet();
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
        private final Set<Channel> members;
        private String name;

        ChatHandler(Set<Channel> members) {
            this.members = members;
        }

        @Override
        public void channelActive(HandlerContext ctx) {
            name = "user-" + ctx.channel().id();
            members.add(ctx.channel());
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
            for (Channel member : members) {
                if (member != ctx.channel()) {
                    member.writeAndFlush(text); // thread-safe: hops onto the member's loop
                }
            }
        }
    }

    /** {@code ChatServer [port]}: runs until killed. */
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8023;
        EventLoopGroup group = new EventLoopGroup();
        Server server = start(group, "127.0.0.1", port);
        System.out.println("chat on " + server.localAddress() + " - try: nc 127.0.0.1 " + server.port());
        server.closeFuture().get();
        group.close();
    }
}
