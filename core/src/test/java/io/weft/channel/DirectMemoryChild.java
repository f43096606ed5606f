package io.weft.channel;

import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.buffer.PooledAllocator;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Child JVM of {@link DirectMemoryExhaustionTest}, run with little direct memory. A connection whose first byte is
 * {@code H} is a hog: the server keeps every buffer it reads from it (as an unbounded cumulation would) until the
 * connection fails; every other connection is echoed. Prints {@code PORT n}; answers {@code stats} with
 * {@code STATS usedBytes channels failures...}, the failures being the exception classes hog connections saw (with
 * their cause's simple name after a slash, if any).
 */
public final class DirectMemoryChild {

    private static final ConcurrentLinkedQueue<String> FAILURES = new ConcurrentLinkedQueue<>();

    private DirectMemoryChild() {
    }

    public static void main(String[] args) throws Exception {
        try (EventLoopGroup group = new EventLoopGroup(1)) {
            Server server = Server.builder().group(group)
                    .childHandler(ch -> ch.pipeline().addLast("hog-or-echo", new HogOrEcho()))
                    .bind("127.0.0.1", 0);
            System.out.println("PORT " + server.port());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals("stats")) {
                    System.out.println("STATS " + PooledAllocator.DEFAULT.usedBytes() + " "
                            + group.next().channelCount() + " " + String.join(" ", FAILURES));
                }
            }
            server.close();
        }
    }

    private static final class HogOrEcho implements Handler {
        private Boolean hog;
        private final List<Buffer> held = new ArrayList<>();

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            Buffer buffer = (Buffer) msg;
            if (hog == null && buffer.isReadable()) {
                hog = buffer.getByte(buffer.readerIndex()) == 'H';
            }
            if (Boolean.TRUE.equals(hog)) {
                held.add(buffer);
            } else {
                ctx.write(buffer);
            }
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            if (Boolean.TRUE.equals(hog)) {
                // The exception's class, and its cause's where there is one (the JVM's OutOfMemoryError).
                FAILURES.add(cause.getClass().getName()
                        + (cause.getCause() == null ? "" : "/" + cause.getCause().getClass().getSimpleName()));
            }
        }

        @Override
        public void channelInactive(HandlerContext ctx) {
            release();
        }

        @Override
        public void handlerRemoved(HandlerContext ctx) {
            release();
        }

        private void release() {
            held.forEach(Buffer::release);
            held.clear();
        }
    }
}
