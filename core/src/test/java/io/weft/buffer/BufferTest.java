package io.weft.buffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BufferTest {

    private final PooledAllocator pool = new PooledAllocator();

    @Test
    void readsWhatWasWrittenInBothByteOrders() {
        Buffer b = pool.allocate(8);
        b.writeByte(0x7F).writeShort(0x1234).writeShortLE(0x1234).writeMedium(0xABCDEF).writeInt(0xCAFEBABE)
                .writeIntLE(0xCAFEBABE).writeLong(0x0102030405060708L).writeLongLE(0x0102030405060708L);
        assertEquals(0x7F, b.readByte());
        assertEquals(0x1234, b.readUnsignedShort());
        assertEquals(0x3412, b.readUnsignedShort());
        assertEquals(0xABCDEF, b.getUnsignedMedium(b.readerIndex()));
        b.skipBytes(3);
        assertEquals(0xCAFEBABE, b.readInt());
        assertEquals(0xCAFEBABEL, b.getUnsignedIntLE(b.readerIndex()));
        b.skipBytes(4);
        assertEquals(0x0102030405060708L, b.readLong());
        assertEquals(0x0102030405060708L, b.getLongLE(b.readerIndex()));
        assertTrue(b.capacity() >= 38, "grew past its initial 8 bytes");
        b.release();
    }

    @Test
    void growsOnWriteUpToMaxCapacity() {
        Buffer b = pool.allocate(4, 100);
        b.writeBytes(new byte[100]);
        assertEquals(100, b.readableBytes());
        assertThrows(IndexOutOfBoundsException.class, () -> b.writeByte(1));
        b.release();
    }

    @Test
    void growthKeepsContentAcrossSizeClasses() {
        Buffer b = pool.allocate(64);
        for (int i = 0; i < 300_000; i++) {
            b.writeByte(i);
        }
        for (int i = 0; i < 300_000; i++) {
            assertEquals((byte) i, b.readByte());
        }
        b.release();
    }

    @Test
    void sliceSharesMemoryAndReferenceCount() {
        Buffer b = pool.copyOf("hello world".getBytes(StandardCharsets.US_ASCII));
        Buffer slice = b.retainedSlice(6, 5);
        assertEquals("world", slice.toString(StandardCharsets.US_ASCII));
        assertEquals(2, b.refCnt());
        slice.setByte(0, 'W');
        assertEquals("hello World", b.toString(StandardCharsets.US_ASCII));
        assertThrows(IndexOutOfBoundsException.class, () -> slice.writeByte(1));
        slice.release();
        assertEquals(1, b.refCnt());
        assertTrue(b.release());
        assertEquals(0, slice.refCnt());
    }

    @Test
    void retainedSliceCountsOnItsOwnAndHoldsOneReferenceOnItsParent() {
        Buffer parent = pool.copyOf("abcdef", StandardCharsets.US_ASCII);
        Buffer slice = parent.readRetainedSlice(3);
        assertEquals(1, slice.refCnt());
        assertEquals(2, parent.refCnt());
        Buffer nested = slice.retainedSlice(1, 2);
        assertEquals("bc", nested.toString(StandardCharsets.US_ASCII));
        assertEquals(2, slice.refCnt(), "a nested retained slice holds one reference on its parent slice");
        Buffer view = nested.slice(0, 1);
        assertEquals(nested.refCnt(), view.refCnt(), "a plain slice shares the count of what it slices");
        assertTrue(nested.release());
        assertEquals(1, slice.refCnt());
        slice.retain();
        assertFalse(slice.release());
        assertTrue(slice.release());
        assertEquals(1, parent.refCnt(), "the slice gave its reference on the parent back");
        assertThrows(IllegalReferenceCountException.class, slice::release);
        assertEquals("def", parent.toString(StandardCharsets.US_ASCII));
        assertTrue(parent.release());
    }

    @Test
    void retainedSliceObjectsAreRecycled() {
        Buffer parent = pool.copyOf(new byte[64]);
        Buffer first = parent.retainedSlice(0, 8);
        first.release();
        Buffer second = parent.retainedSlice(8, 8);
        assertSame(first, second, "a released slice object should be reused on the same thread");
        assertEquals(8, second.readableBytes());
        assertEquals(1, second.refCnt());
        second.release();
        parent.release();
    }

    @Test
    void useAfterReleaseAndDoubleReleaseFail() {
        Buffer b = UnpooledAllocator.INSTANCE.allocate(8);
        b.release();
        assertThrows(IllegalReferenceCountException.class, () -> b.writeByte(1));
        assertThrows(IllegalReferenceCountException.class, b::release);
        assertThrows(IllegalReferenceCountException.class, b::retain);
    }

    @Test
    void discardReadBytesCompactsTheReadableRegion() {
        Buffer b = pool.allocate(16);
        b.writeBytes("abcdefgh".getBytes(StandardCharsets.US_ASCII));
        b.skipBytes(5);
        b.discardReadBytes();
        assertEquals(0, b.readerIndex());
        assertEquals("fgh", b.toString(StandardCharsets.US_ASCII));
        b.release();
    }

    @Test
    void indexOfFindsBytesInRange() {
        Buffer b = pool.copyOf("line one\nline two\n", StandardCharsets.US_ASCII);
        assertEquals(8, b.indexOf(0, b.writerIndex(), (byte) '\n'));
        assertEquals(17, b.indexOf(9, b.writerIndex(), (byte) '\n'));
        assertEquals(-1, b.indexOf(0, 8, (byte) '\n'));
        b.release();
    }

    @Test
    void releasedBufferIsReusedByItsHomeThread() {
        Buffer first = pool.allocate(1000);
        first.release();
        Buffer second = pool.allocate(900);
        assertSame(first, second, "same size class on the same thread should reuse the pooled buffer");
        assertEquals(0, second.readableBytes());
        assertEquals(1, second.refCnt());
        second.release();
    }

    @Test
    void bufferReleasedOnAnotherThreadReturnsToItsHomeCache() throws Exception {
        int before = pool.cachedBuffersOfCurrentThread();
        Buffer b = pool.allocate(4096);
        Thread other = new Thread(b::release);
        other.start();
        other.join();
        assertEquals(before + 1, pool.cachedBuffersOfCurrentThread());
        Buffer again = pool.allocate(4096);
        assertSame(b, again);
        again.release();
    }

    @Test
    void largeAllocationsAreServedUnpooled() {
        Buffer big = pool.allocate(4 << 20);
        assertEquals(4 << 20, big.capacity());
        big.writerIndex(big.capacity());
        assertFalse(big.isReadable(big.capacity() + 1));
        big.release();
    }

    @Test
    void equalityComparesReadableBytes() {
        Buffer a = pool.copyOf("xyz", StandardCharsets.US_ASCII);
        Buffer b = UnpooledAllocator.INSTANCE.copyOf("--xyz", StandardCharsets.US_ASCII);
        b.skipBytes(2);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        a.release();
        b.release();
    }
}
