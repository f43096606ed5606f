package io.weft.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.buffer.Buffer;
import io.weft.channel.EmbeddedChannel;
import io.weft.codec.frame.LineFrameDecoder;
import io.weft.codec.string.StringEncoder;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MessageToMessageCodecTest {

    /** Parses each line frame as an int; "x" throws after producing one output. */
    static final class NumberDecoder extends MessageToMessageDecoder<Buffer> {
        NumberDecoder() {
            super(Buffer.class);
        }

        @Override
        protected void decode(HandlerContext ctx, Buffer frame, List<Object> out) {
            String text = frame.toString(StandardCharsets.US_ASCII);
            if (text.equals("x")) {
                out.add(ctx.alloc().allocate(4)); // produced, then the decode fails: must be released
                throw new IllegalStateException("not a number");
            }
            out.add(Integer.valueOf(text));
        }
    }

    /** Splits a frame into its first byte and the rest, as retained slices (so it retains nothing extra). */
    static final class HeadTailDecoder extends MessageToMessageDecoder<Buffer> {
        HeadTailDecoder() {
            super(Buffer.class);
        }

        @Override
        protected void decode(HandlerContext ctx, Buffer frame, List<Object> out) {
            out.add(frame.readRetainedSlice(1));
            out.add(frame.readRetainedSlice(frame.readableBytes()));
        }
    }

    /** Writes n as n lines "i" (zero lines for 0). */
    static final class CountdownEncoder extends MessageToMessageEncoder<Integer> {
        CountdownEncoder() {
            super(Integer.class);
        }

        @Override
        protected void encode(HandlerContext ctx, Integer n, List<Object> out) {
            if (n < 0) {
                throw new IllegalArgumentException("negative");
            }
            for (int i = n; i > 0; i--) {
                out.add(Integer.toString(i));
            }
        }
    }

    @Test
    void decoderTurnsMessagesIntoOthersAndReleasesItsInput() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder(16), new NumberDecoder());
        ch.writeInboundBytes("12\n3".getBytes(), "4\n".getBytes());
        assertEquals(12, (Integer) ch.readInbound());
        assertEquals(34, (Integer) ch.readInbound());
        ch.writeInbound("not a buffer");
        assertEquals("not a buffer", ch.readInbound(), "other types pass through");
        assertFalse(ch.finish(), "the frames were released by the base class");
    }

    @Test
    void decoderFailureReleasesWhatItProducedAndKeepsTheChannelOpen() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFrameDecoder(16), new NumberDecoder());
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInboundBytes("x\n5\n".getBytes()));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertEquals(5, (Integer) ch.readInbound(), "the next frame still decodes");
        assertTrue(ch.isOpen());
        assertFalse(ch.finish());
    }

    @Test
    void outputsThatShareTheInputsMemoryOutliveItsRelease() {
        EmbeddedChannel ch = new EmbeddedChannel(new HeadTailDecoder());
        ch.writeInboundBytes("abc".getBytes());
        Buffer head = ch.readInbound();
        Buffer tail = ch.readInbound();
        assertEquals("a", head.toString(StandardCharsets.US_ASCII));
        assertEquals("bc", tail.toString(StandardCharsets.US_ASCII));
        head.release();
        tail.release();
        assertFalse(ch.finish());
    }

    @Test
    void encoderWritesEveryOutputAndCompletesThePromiseAfterTheLast() {
        EmbeddedChannel ch = new EmbeddedChannel(new StringEncoder(StandardCharsets.US_ASCII, "\n"),
                new CountdownEncoder());
        CompletableFuture<Void> three = ch.newPromise();
        ch.write(3, three);
        assertFalse(three.isDone(), "not flushed yet");
        ch.flush();
        assertTrue(three.isDone() && !three.isCompletedExceptionally());
        assertEquals("3\n2\n1\n", new String(ch.readOutboundBytes(), StandardCharsets.US_ASCII));
        CompletableFuture<Void> none = ch.newPromise();
        ch.write(0, none);
        assertTrue(none.isDone(), "nothing to write: complete at once");
        ch.writeOutbound("pass");
        assertEquals("pass\n", new String(ch.readOutboundBytes(), StandardCharsets.US_ASCII));
        assertFalse(ch.finish());
    }

    @Test
    void encoderFailureFailsThePromise() {
        EmbeddedChannel ch = new EmbeddedChannel(new CountdownEncoder());
        CompletableFuture<Void> promise = ch.newPromise();
        ch.write(-1, promise);
        assertTrue(promise.isCompletedExceptionally());
        EncoderException e = assertThrows(EncoderException.class, ch::checkException);
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
        assertNull(ch.readOutbound());
        assertFalse(ch.finish());
    }

    @Test
    void encoderWithoutPromiseAllocatesNone() {
        List<CompletableFuture<Void>> seen = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new Handler() {
            @Override
            public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) {
                seen.add(promise);
                ctx.write(msg, promise);
            }
        }, new CountdownEncoder());
        ch.writeAndFlush(2);
        assertEquals(2, seen.size());
        assertNull(seen.get(0));
        assertNull(seen.get(1));
        assertEquals("2", ch.readOutbound());
        assertEquals("1", ch.readOutbound());
        assertFalse(ch.finish());
    }
}
