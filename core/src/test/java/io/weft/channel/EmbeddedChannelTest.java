package io.weft.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.buffer.Buffer;
import io.weft.handler.IdleStateEvent;
import io.weft.handler.IdleStateHandler;
import io.weft.handler.ReadTimeoutException;
import io.weft.handler.ReadTimeoutHandler;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EmbeddedChannelTest {

    /** Upper-cases ASCII bytes both ways; keeps its buffers' ownership rules. */
    static final class UpperCase implements Handler {
        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            ctx.fireChannelRead(upper(ctx, (Buffer) msg));
        }

        @Override
        public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) {
            ctx.write(upper(ctx, (Buffer) msg), promise);
        }

        private static Buffer upper(HandlerContext ctx, Buffer in) {
            try {
                String s = in.toString(StandardCharsets.US_ASCII).toUpperCase();
                return ctx.alloc().copyOf(s, StandardCharsets.US_ASCII);
            } finally {
                in.release();
            }
        }
    }

    @Test
    void messagesComeOutOfEitherEnd() {
        EmbeddedChannel ch = new EmbeddedChannel(new UpperCase());
        assertTrue(ch.isActive());
        assertTrue(ch.writeInboundBytes("ab".getBytes(), "c".getBytes()));
        assertArrayEquals("ABC".getBytes(), ch.readInboundBytes());
        assertTrue(ch.writeOutbound(ch.allocator().copyOf("xy", StandardCharsets.US_ASCII)));
        Buffer out = ch.readOutbound();
        assertEquals("XY", out.toString(StandardCharsets.US_ASCII));
        out.release();
        assertNull(ch.readOutbound());
        assertFalse(ch.finish());
        assertFalse(ch.isOpen());
    }

    @Test
    void lifecycleEventsReachHandlers() {
        List<String> events = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(c -> c.pipeline().addLast("rec", new Handler() {
            @Override
            public void handlerAdded(HandlerContext ctx) {
                events.add("added");
            }

            @Override
            public void channelActive(HandlerContext ctx) {
                events.add("active");
            }

            @Override
            public void channelInactive(HandlerContext ctx) {
                events.add("inactive");
            }

            @Override
            public void handlerRemoved(HandlerContext ctx) {
                events.add("removed");
            }
        }));
        assertEquals(List.of("added", "active"), events);
        assertEquals(List.of("rec"), ch.pipeline().names());
        assertFalse(ch.finish());
        assertEquals(List.of("added", "active", "inactive", "removed"), events);
    }

    @Test
    void unflushedWritesWaitAndTheirPromisesCompleteOnFlush() {
        EmbeddedChannel ch = new EmbeddedChannel();
        CompletableFuture<Void> promise = ch.newPromise();
        ch.write("one", promise);
        assertNull(ch.readOutbound());
        assertFalse(promise.isDone());
        ch.flush();
        assertTrue(promise.isDone());
        assertEquals("one", ch.readOutbound());
        CompletableFuture<Void> late = ch.newPromise();
        ch.write("two", late);
        assertFalse(ch.finish());
        assertTrue(late.isCompletedExceptionally(), "a write pending at close fails");
    }

    @Test
    void exceptionThatReachesTheTailIsRethrownAsItWas() {
        EmbeddedChannel ch = new EmbeddedChannel(new Handler() {
            @Override
            public void channelRead(HandlerContext ctx, Object msg) throws Exception {
                throw new IOException("bad " + msg);
            }
        });
        IOException e = assertThrows(IOException.class, () -> ch.writeInbound("x"));
        assertEquals("bad x", e.getMessage());
        ch.checkException(); // reported once
        assertFalse(ch.finish());
    }

    @Test
    void timersFollowTheVirtualClock() {
        AtomicInteger fired = new AtomicInteger();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.loop().schedule(fired::incrementAndGet, 10, TimeUnit.SECONDS);
        ch.advanceTimeBy(9, TimeUnit.SECONDS);
        assertEquals(0, fired.get());
        assertEquals(TimeUnit.SECONDS.toNanos(1), ch.loop().nextTimerDelayNanos());
        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        assertEquals(1, fired.get());
        assertEquals(-1, ch.loop().nextTimerDelayNanos());
        assertFalse(ch.finish());
    }

    @Test
    void idleStateHandlerFiresOnTheVirtualClock() {
        List<Object> events = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new IdleStateHandler(5, 0, 0), new Handler() {
            @Override
            public void userEvent(HandlerContext ctx, Object event) {
                events.add(event);
            }
        });
        ch.advanceTimeBy(4, TimeUnit.SECONDS);
        ch.writeInbound("activity"); // resets the reader-idle time at t=4 s
        assertEquals("activity", ch.readInbound());
        ch.advanceTimeBy(4, TimeUnit.SECONDS);
        assertTrue(events.isEmpty(), "idle 4 s of 5: " + events);
        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        assertEquals(List.of(IdleStateEvent.FIRST_READER_IDLE), events);
        assertFalse(ch.finish());
    }

    @Test
    void readTimeoutClosesTheChannelWithItsException() {
        EmbeddedChannel ch = new EmbeddedChannel(new ReadTimeoutHandler(30, TimeUnit.SECONDS));
        ch.advanceTimeBy(29, TimeUnit.SECONDS);
        assertTrue(ch.isOpen());
        assertThrows(ReadTimeoutException.class, () -> ch.advanceTimeBy(1, TimeUnit.SECONDS));
        assertFalse(ch.isOpen());
        assertFalse(ch.finish());
    }

    @Test
    void tasksFromOtherThreadsRunWhenTasksAreRun() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel();
        AtomicInteger ran = new AtomicInteger();
        Thread other = new Thread(() -> ch.loop().execute(ran::incrementAndGet));
        other.start();
        other.join(10_000);
        assertEquals(0, ran.get());
        ch.runPendingTasks();
        assertEquals(1, ran.get());
        assertFalse(ch.finish());
    }

    @Test
    void finishReportsLeftoversAndKeepsThemReadable() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.writeInbound(ch.allocator().copyOf(new byte[] {1, 2}));
        ch.writeOutbound(ch.allocator().copyOf(new byte[] {3}));
        assertTrue(ch.finish(), "leftovers are not leaks, they are reported");
        assertArrayEquals(new byte[] {1, 2}, ch.readInboundBytes());
        assertArrayEquals(new byte[] {3}, ch.readOutboundBytes());
    }

    @Test
    void finishAndReleaseAllReleasesLeftovers() {
        EmbeddedChannel ch = new EmbeddedChannel();
        Buffer in = ch.allocator().copyOf(new byte[] {1});
        ch.writeInbound(in);
        assertTrue(ch.finishAndReleaseAll());
        assertEquals(0, in.refCnt());
        assertFalse(new EmbeddedChannel().finishAndReleaseAll());
    }

    @Test
    void finishNamesABufferAHandlerLeaked() {
        List<Buffer> dropped = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new Handler() {
            @Override
            public void channelRead(HandlerContext ctx, Object msg) {
                Buffer copy = ctx.alloc().allocate(8).writeLong(42);
                dropped.add(copy); // "forgets" to release it or pass it on
                ((Buffer) msg).release();
            }
        });
        ch.writeInboundBytes(new byte[] {7});
        BufferLeakException e = assertThrows(BufferLeakException.class, ch::finish);
        assertEquals(1, e.leaks().size(), e.getMessage());
        assertTrue(e.getMessage().contains("finishNamesABufferAHandlerLeaked"), e.getMessage());
        dropped.forEach(Buffer::release); // so the suite's own leak check stays green
    }

    @Test
    void finishNamesAnInboundMessageTheTestForgotToRelease() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.writeInboundBytes(new byte[] {1});
        Buffer read = ch.readInbound();
        assertEquals(1, ch.unreleasedBuffers().size());
        assertThrows(BufferLeakException.class, ch::finish);
        read.release();
        assertTrue(ch.unreleasedBuffers().isEmpty());
    }

    @Test
    void bufferAllocatedBeforeTheChannelIsTrackedOnceWrittenIn() {
        Buffer early = io.weft.buffer.BufferAllocator.defaultAllocator().copyOf(new byte[] {9});
        EmbeddedChannel ch = new EmbeddedChannel(new Handler() {
            @Override
            public void channelRead(HandlerContext ctx, Object msg) {
                // swallows it: a leak
            }
        });
        ch.writeInbound(early);
        assertThrows(BufferLeakException.class, ch::finish);
        early.release();
    }

    @Test
    void leakCheckCanBeTurnedOff() {
        EmbeddedChannel ch = new EmbeddedChannel().leakCheck(false);
        Buffer kept = ch.allocator().allocate(4);
        assertFalse(ch.finish());
        kept.release();
    }

    @Test
    void writesAfterCloseFailAndAreReleased() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.close();
        Buffer late = ch.allocator().copyOf(new byte[] {1});
        assertThrows(ClosedChannelException.class, () -> ch.writeOutbound(late));
        assertEquals(0, late.refCnt());
        assertFalse(ch.writeInbound(ch.allocator().copyOf(new byte[] {2})));
        assertFalse(ch.finish());
    }

    @Test
    void loopIsTheEmbeddedLoop() {
        EmbeddedChannel ch = new EmbeddedChannel();
        assertSame(ch.loop(), ch.pipeline().channel().loop());
        assertTrue(ch.loop().inLoop());
        assertThrows(IllegalArgumentException.class, () -> ch.setOption(ChannelOption.TCP_NODELAY, true));
        assertFalse(ch.finish());
    }

    @Test
    void twoChannelsOnOneThreadAreLeakCheckedApart() {
        // "server" keeps the client's output as handler state until it is removed: written into the server, the
        // buffer is the server's to answer for, not the client's.
        EmbeddedChannel server = new EmbeddedChannel(new Handler() {
            private Buffer held;

            @Override
            public void channelRead(HandlerContext ctx, Object msg) {
                held = (Buffer) msg;
            }

            @Override
            public void handlerRemoved(HandlerContext ctx) {
                if (held != null) {
                    held.release();
                }
            }
        });
        EmbeddedChannel client = new EmbeddedChannel(new UpperCase());
        client.writeOutbound(client.allocator().copyOf("req", StandardCharsets.US_ASCII));
        server.writeInbound((Object) client.readOutbound());
        assertFalse(client.finish(), "the buffer the server holds is not the client's leak");
        assertFalse(server.finish());
    }

    @Test
    void readsCanBeBatchedBeforeOneReadComplete() {
        List<String> events = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new Handler() {
            @Override
            public void channelRead(HandlerContext ctx, Object msg) {
                events.add("read " + msg);
            }

            @Override
            public void channelReadComplete(HandlerContext ctx) {
                events.add("complete");
            }
        });
        ch.writeOneInbound("a");
        ch.writeOneInbound("b");
        ch.flushInbound();
        assertEquals(List.of("read a", "read b", "complete"), events);
        assertFalse(ch.finish());
    }
}
