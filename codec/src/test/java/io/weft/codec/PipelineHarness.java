package io.weft.codec;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.buffer.BufferAllocator;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Test-only, EmbeddedChannel-like harness: a real, connected loopback {@link TcpChannel} on a real loop, whose
 * pipeline is {@code [capture] handlers... [sink]}. Tests inject inbound buffers (split as they like) at the head
 * with {@link #writeInbound}, and outbound messages at the tail with {@link #writeOutbound}; the sink collects what
 * reaches the end of the inbound path (and exceptions), the capture handler keeps what reaches the head of the
 * outbound path instead of sending it. The peer never sends anything, so only injected bytes are decoded.
 * Everything runs on the channel's loop; the accessors hop onto it and wait.
 */
public final class PipelineHarness implements AutoCloseable {

    public final TcpChannel channel;
    private final Server server;
    private final CompletableFuture<io.weft.channel.Channel> peer = new CompletableFuture<>();
    private final List<Object> inbound = new ArrayList<>();
    private final List<Throwable> errors = new ArrayList<>();
    private final List<Object> outbound = new ArrayList<>();

    public PipelineHarness(EventLoopGroup group, Handler... handlers) throws Exception {
        server = Server.builder().group(group).childHandler(peer::complete).bind("127.0.0.1", 0);
        channel = Client.builder().group(group).handler(ch -> {
            ch.pipeline().addLast("capture", new Handler() {
                @Override
                public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) {
                    outbound.add(msg);
                    if (promise != null) {
                        promise.complete(null);
                    }
                }

                @Override
                public void flush(HandlerContext ctx) {
                }
            });
            for (int i = 0; i < handlers.length; i++) {
                ch.pipeline().addLast("h" + i, handlers[i]);
            }
            ch.pipeline().addLast("sink", new Handler() {
                @Override
                public void channelRead(HandlerContext ctx, Object msg) {
                    inbound.add(msg);
                }

                @Override
                public void exceptionCaught(HandlerContext ctx, Throwable cause) {
                    errors.add(cause);
                }
            });
        }).connect(server.localAddress()).get(10, TimeUnit.SECONDS);
    }

    public BufferAllocator alloc() {
        return channel.allocator();
    }

    /** Closes the far end, as a peer closing the connection would, and waits until this channel has closed. */
    public void closePeer() throws Exception {
        peer.get(10, TimeUnit.SECONDS).close().get(10, TimeUnit.SECONDS);
        channel.closeFuture().get(10, TimeUnit.SECONDS);
    }

    /** Runs {@code task} on the channel's loop and waits for its result (rethrowing what it throws). */
    public <T> T call(Callable<T> task) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        channel.loop().execute(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw (Error) e.getCause();
        }
    }

    /** Fires each chunk as one read (a buffer copied from it), then read-complete. */
    public void writeInbound(byte[]... chunks) throws Exception {
        call(() -> {
            for (byte[] chunk : chunks) {
                if (!channel.isOpen()) {
                    break;
                }
                channel.pipeline().fireChannelRead(alloc().copyOf(chunk));
            }
            channel.pipeline().fireChannelReadComplete();
            return null;
        });
    }

    /** Fires {@code data} as reads of exactly one byte each. */
    public void writeInboundBytewise(byte[] data) throws Exception {
        call(() -> {
            for (int i = 0; i < data.length && channel.isOpen(); i++) {
                Buffer b = alloc().allocate(1);
                b.writeByte(data[i]);
                channel.pipeline().fireChannelRead(b);
            }
            channel.pipeline().fireChannelReadComplete();
            return null;
        });
    }

    /** Fires a read on the loop of the caller's thread; only from inside {@link #call}. */
    public void fireRead(byte[] data, int offset, int length) {
        Buffer b = alloc().allocate(length);
        b.writeBytes(data, offset, length);
        channel.pipeline().fireChannelRead(b);
    }

    /** Writes (and flushes) {@code msg} from the tail of the pipeline. */
    public void writeOutbound(Object msg) throws Exception {
        call(() -> {
            channel.pipeline().writeAndFlush(msg, null);
            return null;
        });
    }

    /** Messages that reached the sink, removed from it; the caller owns them. */
    public List<Object> readInbound() throws Exception {
        return call(() -> {
            List<Object> copy = new ArrayList<>(inbound);
            inbound.clear();
            return copy;
        });
    }

    /** The bytes of every buffer that reached the sink (released), in order. */
    public byte[] readInboundBytes() throws Exception {
        return concat(readInbound());
    }

    /** Inbound messages currently held by the sink; only from inside {@link #call}. */
    public List<Object> inboundOnLoop() {
        return inbound;
    }

    /** Outbound messages captured at the head, removed; the caller owns them. */
    public List<Object> readOutbound() throws Exception {
        return call(() -> {
            List<Object> copy = new ArrayList<>(outbound);
            outbound.clear();
            return copy;
        });
    }

    /** The bytes of every buffer captured at the head (released), in order. */
    public byte[] readOutboundBytes() throws Exception {
        return concat(readOutbound());
    }

    /** Exceptions that reached the sink. */
    public List<Throwable> errors() throws Exception {
        return call(() -> new ArrayList<>(errors));
    }

    /** Whether the channel is still open (a decoder failure closes it). */
    public boolean isOpen() throws Exception {
        return call(channel::isOpen);
    }

    public static byte[] concat(List<Object> messages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object m : messages) {
            Buffer b = (Buffer) m;
            try {
                out.writeBytes(bytes(b));
            } finally {
                b.release();
            }
        }
        return out.toByteArray();
    }

    /** The readable bytes of {@code b}, indexes untouched. */
    public static byte[] bytes(Buffer b) {
        byte[] bytes = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), bytes, 0, bytes.length);
        return bytes;
    }

    @Override
    public void close() throws Exception {
        try {
            channel.close().get(10, TimeUnit.SECONDS);
        } finally {
            call(() -> {
                inbound.forEach(ReferenceCounted::safeRelease);
                outbound.forEach(ReferenceCounted::safeRelease);
                inbound.clear();
                outbound.clear();
                return null;
            });
            server.close();
        }
    }
}
