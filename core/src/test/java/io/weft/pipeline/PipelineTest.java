package io.weft.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoopGroup;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PipelineTest {

    private EventLoopGroup group;
    private Server server;
    private TcpChannel channel;
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final List<String> threads = new CopyOnWriteArrayList<>();

    @BeforeEach
    void connect() throws Exception {
        group = new EventLoopGroup(1);
        server = Server.builder().group(group).childHandler(ch -> { }).bind("127.0.0.1", 0);
        channel = Client.builder().group(group).connect(server.localAddress()).get(5, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        server.close();
        group.close();
    }

    /** Records each message with a tag, then passes it on. */
    private final class Recorder implements Handler {
        private final String tag;

        Recorder(String tag) {
            this.tag = tag;
        }

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            seen.add(tag + ":" + msg);
            threads.add(Thread.currentThread().getName());
            ctx.fireChannelRead(msg);
        }
    }

    private void fireAndSync(Object msg) throws Exception {
        channel.pipeline().fireChannelRead(msg);
        CountDownLatch synced = new CountDownLatch(1);
        channel.loop().execute(synced::countDown);
        assertTrue(synced.await(5, TimeUnit.SECONDS));
    }

    @Test
    void handlerAddedDuringReadSeesTheNextMessage() throws Exception {
        channel.pipeline().addLast("adder", new Handler() {
            @Override
            public void channelRead(HandlerContext ctx, Object msg) {
                ctx.fireChannelRead(msg);
                if ("m1".equals(msg)) {
                    ctx.pipeline().addAfter("adder", "late", new Recorder("late"));
                }
            }
        });
        channel.pipeline().addLast("end", new Recorder("end"));
        fireAndSync("m1");
        fireAndSync("m2");
        assertEquals(List.of("end:m1", "late:m2", "end:m2"), seen);
        assertEquals(List.of("adder", "late", "end"), channel.pipeline().names());
    }

    @Test
    void handlerRemovingItselfDuringReadIsSkippedForTheNextMessage() throws Exception {
        channel.pipeline().addLast("once", new Handler() {
            @Override
            public void channelRead(HandlerContext ctx, Object msg) {
                seen.add("once:" + msg);
                ctx.pipeline().remove(this);
                ctx.fireChannelRead(msg);
            }
        });
        channel.pipeline().addLast("end", new Recorder("end"));
        fireAndSync("m1");
        fireAndSync("m2");
        assertEquals(List.of("once:m1", "end:m1", "end:m2"), seen);
        assertNull(channel.pipeline().get("once"));
    }

    @Test
    void replaceSwapsHandlerInPlace() throws Exception {
        channel.pipeline().addLast("a", new Recorder("a")).addLast("b", new Recorder("b"))
                .addLast("c", new Recorder("c"));
        channel.pipeline().replace("b", "b2", new Recorder("b2"));
        fireAndSync("x");
        assertEquals(List.of("a:x", "b2:x", "c:x"), seen);
        assertThrows(IllegalArgumentException.class, () -> channel.pipeline().addLast("a", new Recorder("dup")));
    }

    @Test
    void eventsFiredFromOtherThreadsRunOnTheLoop() throws Exception {
        channel.pipeline().addLast("r", new Recorder("r"));
        String loopName = threadNameOf(channel);
        Thread outside = new Thread(() -> channel.pipeline().fireChannelRead("from-outside"));
        outside.start();
        outside.join();
        fireAndSync("sync");
        assertEquals(List.of("r:from-outside", "r:sync"), seen);
        assertTrue(threads.stream().allMatch(loopName::equals), "callbacks ran on " + threads);
    }

    private static String threadNameOf(TcpChannel channel) throws Exception {
        CompletableFuture<String> name = new CompletableFuture<>();
        channel.loop().execute(() -> name.complete(Thread.currentThread().getName()));
        return name.get(5, TimeUnit.SECONDS);
    }

    @Test
    void exceptionFromReadGoesToExceptionCaughtOfSameHandler() throws Exception {
        CompletableFuture<Throwable> caught = new CompletableFuture<>();
        channel.pipeline().addLast("thrower", new Handler() {
            @Override
            public void channelRead(HandlerContext ctx, Object msg) {
                throw new IllegalStateException("boom " + msg);
            }

            @Override
            public void exceptionCaught(HandlerContext ctx, Throwable cause) {
                caught.complete(cause);
            }
        });
        fireAndSync("m");
        Throwable cause = caught.get(5, TimeUnit.SECONDS);
        assertInstanceOf(IllegalStateException.class, cause);
        assertEquals("boom m", cause.getMessage());
    }

    @Test
    void tailReleasesUnhandledBuffers() throws Exception {
        Buffer buffer = channel.allocator().allocate(16).writeInt(42);
        fireAndSync(buffer);
        assertEquals(0, buffer.refCnt(), "the tail should have released the unhandled buffer");
    }

    @Test
    void outboundWriteOfUnsupportedTypeFailsThePromise() throws Exception {
        CompletableFuture<Void> promise = channel.newPromise();
        channel.writeAndFlush("not a buffer", promise);
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> promise.get(5, TimeUnit.SECONDS));
        assertInstanceOf(io.weft.channel.UnsupportedMessageTypeException.class, e.getCause());
    }

    @Test
    void handlerLifecycleCallbacksRunOnAddAndOnClose() throws Exception {
        CountDownLatch added = new CountDownLatch(1);
        CountDownLatch removed = new CountDownLatch(1);
        channel.pipeline().addLast("life", new Handler() {
            @Override
            public void handlerAdded(HandlerContext ctx) {
                added.countDown();
            }

            @Override
            public void handlerRemoved(HandlerContext ctx) {
                removed.countDown();
            }
        });
        assertTrue(added.await(5, TimeUnit.SECONDS));
        channel.close().get(5, TimeUnit.SECONDS);
        assertTrue(removed.await(5, TimeUnit.SECONDS));
    }
}
