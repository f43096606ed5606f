package io.weft.examples.chat;

import io.weft.bootstrap.Server;
import io.weft.channel.ChannelOption;
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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A line chat: every line a client sends is broadcast to every other client. Try it with
 * {@code nc 127.0.0.1 8023} in a few terminals. Pipeline: lines ({@code \n} or {@code \r\n}, at most 1 KiB) →
 * UTF-8 strings → {@link ChatHandler}; outbound strings are UTF-8 encoded with a {@code \n} appended.
 *
 * <p><b>Back-pressure, not unbounded buffering.</b> A member is <em>congested</em> while its outbound buffer is past
 * the high-water mark (it is no longer {@linkplain TcpChannel#isWritable() writable}) or while the lines other loops
 * handed to its loop and it has not written yet pass {@link #MAX_IN_FLIGHT_BYTES}: a member often lives on another
 * loop than the talker, and counting those lines lets the talker's loop see the congestion at once, instead of after
 * the member's loop has caught up. While any member is congested, every member that talks stops being read
 * (auto-read off) after the line it is on, and all of them resume when the congestion clears. So a fast talker can
 * never outrun a slower reader for long: a member's backlog passes the watermark by at most about one read batch of
 * each talker (the lines already read when it paused). A member that stays congested for {@link #STALL_MILLIS} (it
 * is not reading at all), or whose backlog passes {@link #MAX_PENDING_BYTES} anyway, is disconnected, so one stalled
 * client cannot stop the room or hold memory without bound either.
 */
public final class ChatServer {

    /**
     * Outbound bytes a member may have waiting before it is disconnected whatever else happens: the last-resort bound,
     * well above what back-pressure lets pile up for a member that reads (the watermark plus the lines other loops
     * handed over before the congestion was seen; 1 MiB was too little for that on a busy 2-core machine).
     */
    public static final long MAX_PENDING_BYTES = 8 * 1024 * 1024;

    /**
     * Characters of lines handed to a member's loop and not yet written there above which the member counts as
     * congested (the default high-water mark's size); it is relieved once they fall below half of it.
     */
    public static final long MAX_IN_FLIGHT_BYTES = 64 * 1024;

    /** How long a member may stay congested (not reading) before it is disconnected. */
    public static final long STALL_MILLIS = 5_000;

    static final String USAGE = "ChatServer [port]   (default 8023; 0 picks a free port)";

    /** Starts the chat on {@code host:port} (port 0 picks a free one). */
    public static Server start(EventLoopGroup group, String host, int port) {
        Room room = new Room();
        StringEncoder encoder = new StringEncoder(StandardCharsets.UTF_8, "\n"); // stateless: shared
        return Server.builder().group(group).childHandler(ch -> ch.pipeline()
                .addLast("lines", new LineFrameDecoder(1024).discardTooLongFrames(true))
                .addLast("utf8", new StringDecoder())
                .addLast("encoder", encoder)
                .addLast("chat", new ChatHandler(room)))
                .bind(host, port);
    }

    /** The members, and which of them are congested or paused; shared by every member's loop. */
    static final class Room {
        final Set<TcpChannel> members = ConcurrentHashMap.newKeySet();
        /** Congested members, each with a token that tells its stall timer whether it is still the same episode. */
        private final Map<TcpChannel, Object> congested = new ConcurrentHashMap<>();
        /** Talkers whose reading is paused until no member is congested. */
        private final Set<TcpChannel> paused = ConcurrentHashMap.newKeySet();
        /** Per member: characters of lines handed to its loop and not written there yet. */
        private final Map<TcpChannel, AtomicLong> inFlight = new ConcurrentHashMap<>();

        void joined(TcpChannel member) {
            inFlight.put(member, new AtomicLong());
            members.add(member);
        }

        /** Runs on the talker's loop: hand {@code text} to {@code member}'s loop, counting it until it is written. */
        void send(TcpChannel member, String text) {
            AtomicLong pending = inFlight.get(member);
            if (pending == null) {
                return; // left meanwhile
            }
            if (pending.addAndGet(text.length()) > MAX_IN_FLIGHT_BYTES) {
                congest(member); // seen here, so that throttle() pauses this talker after its current line
            }
            member.loop().execute(() -> deliver(member, text, pending));
        }

        /** Runs on {@code member}'s loop: queue the line, and note a member that is or is no longer congested. */
        private void deliver(TcpChannel member, String text, AtomicLong pending) {
            long left = pending.addAndGet(-text.length());
            if (!member.isOpen()) {
                return;
            }
            if (member.pendingOutboundBytes() > MAX_PENDING_BYTES) {
                member.close(); // a backlog this large despite back-pressure: drop it rather than buffer on
                return;
            }
            member.writeAndFlush(text);
            if (!member.isWritable()) {
                congest(member);
            } else if (left < MAX_IN_FLIGHT_BYTES / 2) {
                relieved(member);
            }
        }

        /** Any thread: note (and time) a member that just became congested. */
        private void congest(TcpChannel member) {
            Object episode = new Object();
            if (congested.putIfAbsent(member, episode) == null) {
                member.loop().schedule(() -> {
                    if (congested.get(member) == episode) {
                        member.close(); // congested for STALL_MILLIS: it is not reading
                    }
                }, STALL_MILLIS, TimeUnit.MILLISECONDS);
            }
        }

        /** Runs on {@code member}'s loop when it is writable again with little in flight, or when it left. */
        void relieved(TcpChannel member) {
            AtomicLong pending = inFlight.get(member);
            if (pending != null && pending.get() >= MAX_IN_FLIGHT_BYTES / 2 && member.isOpen()) {
                return; // lines are still on their way: deliver() relieves it once they are written
            }
            if (congested.remove(member) != null && congested.isEmpty()) {
                for (TcpChannel talker : paused) {
                    resume(talker);
                }
            }
        }

        /** Runs on the talker's loop after it was read: stop reading it while some member is congested. */
        void throttle(TcpChannel talker) {
            if (congested.isEmpty() || !paused.add(talker)) {
                return;
            }
            talker.setOption(ChannelOption.AUTO_READ, false);
            if (congested.isEmpty()) { // the congestion cleared while we paused: nobody else will resume us
                resume(talker);
            }
        }

        private void resume(TcpChannel talker) {
            if (paused.remove(talker)) {
                talker.loop().execute(() -> talker.setOption(ChannelOption.AUTO_READ, true));
            }
        }

        void left(TcpChannel member) {
            members.remove(member);
            inFlight.remove(member);
            paused.remove(member);
            relieved(member);
        }
    }

    /** Broadcasts each line to the other members; runs on the sender's loop. */
    static final class ChatHandler implements Handler {
        private final Room room;
        private String name;

        ChatHandler(Room room) {
            this.room = room;
        }

        @Override
        public void channelActive(HandlerContext ctx) {
            name = "user-" + ctx.channel().id();
            room.joined((TcpChannel) ctx.channel());
            ctx.writeAndFlush("welcome, " + name + " (" + room.members.size() + " online)");
            broadcast(ctx, "* " + name + " joined");
        }

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            String line = ((String) msg).strip();
            if (line.equals("/quit")) {
                ctx.close();
            } else if (!line.isEmpty()) {
                broadcast(ctx, "[" + name + "] " + line);
                room.throttle((TcpChannel) ctx.channel());
            }
        }

        @Override
        public void writabilityChanged(HandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                room.relieved((TcpChannel) ctx.channel());
            }
            ctx.fireWritabilityChanged();
        }

        @Override
        public void channelInactive(HandlerContext ctx) {
            room.left((TcpChannel) ctx.channel());
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
            for (TcpChannel member : room.members) {
                if (member != ctx.channel()) {
                    // The member may live on another loop: written there, where its outbound buffer is known.
                    room.send(member, text);
                }
            }
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
