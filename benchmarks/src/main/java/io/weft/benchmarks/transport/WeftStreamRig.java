package io.weft.benchmarks.transport;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.buffer.UnpooledAllocator;
import io.weft.channel.ChannelOption;
import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Weft side of the streaming benchmark: one connection; the client loop writes {@code chunk}-byte buffers while
 * the channel is writable (resuming on writability-changed), the server counts and discards what it reads.
 */
final class WeftStreamRig implements AutoCloseable {

    private final EventLoopGroup serverGroup = new EventLoopGroup(1);
    private final EventLoopGroup clientGroup = new EventLoopGroup(1);
    private final Server server;
    private final TcpChannel channel;
    private final Producer producer;
    private final Sink sink = new Sink();
    private final Waiter waiter = new Waiter();
    private final Buffer template;
    private final int chunk;
    private final Runnable kick;
    private long sent;

    WeftStreamRig(int chunk, int receiveMax) throws Exception {
        this.chunk = chunk;
        byte[] bytes = Payloads.random(chunk, chunk);
        template = UnpooledAllocator.INSTANCE.copyOf(bytes);
        server = Server.builder().group(serverGroup)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.RECEIVE_BUFFER_MIN, 64)
                .childOption(ChannelOption.RECEIVE_BUFFER_INITIAL, 2048)
                .childOption(ChannelOption.RECEIVE_BUFFER_MAX, receiveMax)
                .childHandler(ch -> ch.pipeline().addLast("sink", sink))
                .bind("127.0.0.1", 0);
        producer = new Producer();
        channel = Client.builder().group(clientGroup)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_LOW_WATER_MARK, 32 * 1024)
                .option(ChannelOption.WRITE_BUFFER_HIGH_WATER_MARK, 64 * 1024)
                .handler(ch -> ch.pipeline().addLast("producer", producer))
                .connect(server.localAddress()).get(10, TimeUnit.SECONDS);
        kick = producer::pump;
        // Sanity check: one chunk arrives byte-exact.
        sink.check = new byte[chunk];
        send(chunk);
        if (!Arrays.equals(bytes, sink.check)) {
            throw new IllegalStateException("Weft stream delivered different bytes");
        }
        sink.check = null;
    }

    /** Streams {@code bytes} (a multiple of the chunk size) and waits until the server has read all of it. */
    long send(long bytes) {
        sent += bytes;
        sink.target = sent;
        waiter.arm(1);
        producer.toSend(bytes);
        channel.loop().execute(kick);
        waiter.await();
        return sink.received;
    }

    @Override
    public void close() {
        channel.close();
        server.close();
        clientGroup.close();
        serverGroup.close();
        template.release();
    }

    final class Producer implements Handler {
        private HandlerContext ctx;
        private volatile long pending;
        private long toSend;
        private boolean pumping;

        void toSend(long bytes) {
            pending = bytes;
        }

        @Override
        public void handlerAdded(HandlerContext context) {
            this.ctx = context;
        }

        void pump() {
            if (pumping) {
                return;
            }
            pumping = true;
            try {
                toSend += pending;
                pending = 0;
                TcpChannel ch = (TcpChannel) ctx.channel();
                while (toSend > 0 && ch.isWritable()) {
                    while (toSend > 0 && ch.isWritable()) {
                        Buffer buffer = ctx.alloc().allocate(chunk);
                        buffer.writeBytes(template, 0, chunk);
                        ctx.write(buffer, null);
                        toSend -= chunk;
                    }
                    ctx.flush();
                }
            } finally {
                pumping = false;
            }
        }

        @Override
        public void writabilityChanged(HandlerContext context) {
            if (context.channel().isWritable()) {
                pump();
            }
        }

        @Override
        public void exceptionCaught(HandlerContext context, Throwable cause) {
            waiter.fail("Weft producer failed: " + cause);
        }
    }

    final class Sink implements Handler {
        volatile long received;
        volatile long target;
        byte[] check;

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            Buffer buffer = (Buffer) msg;
            int n = buffer.readableBytes();
            long before = received;
            if (check != null && before < check.length) {
                buffer.getBytes(buffer.readerIndex(), check, (int) before, (int) Math.min(n, check.length - before));
            }
            buffer.release();
            long now = before + n;
            received = now;
            if (now >= target && before < target) {
                waiter.countDown();
            }
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            waiter.fail("Weft sink failed: " + cause);
        }
    }
}
