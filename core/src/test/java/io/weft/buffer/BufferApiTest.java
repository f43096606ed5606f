package io.weft.buffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Little-endian reads, wrapping without a copy, read slices, and indexes that a failed call leaves alone. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BufferApiTest {

    private final PooledAllocator pool = new PooledAllocator();

    @Test
    void littleEndianReadsMatchLittleEndianGetsAndWrites() {
        Buffer b = pool.allocate(64);
        b.writeShortLE(0xBEEF).writeMediumLE(0xABCDEF).writeIntLE(0xCAFEBABE).writeLongLE(0x0102030405060708L)
                .writeFloatLE(1.5f).writeDoubleLE(-2.25).writeShortLE(-2).writeIntLE(-3).writeBoolean(true);
        int start = b.readerIndex();
        assertEquals((short) 0xBEEF, b.getShortLE(start));
        assertEquals((short) 0xBEEF, b.readShortLE());
        assertEquals(0xABCDEF, b.getUnsignedMediumLE(b.readerIndex()));
        assertEquals(0xABCDEF, b.readUnsignedMediumLE());
        assertEquals(0xCAFEBABE, b.getIntLE(b.readerIndex()));
        assertEquals(0xCAFEBABE, b.readIntLE());
        assertEquals(0x0102030405060708L, b.getLongLE(b.readerIndex()));
        assertEquals(0x0102030405060708L, b.readLongLE());
        assertEquals(1.5f, b.readFloatLE());
        assertEquals(-2.25, b.readDoubleLE());
        assertEquals(0xFFFE, b.readUnsignedShortLE());
        assertEquals(0xFFFFFFFDL, b.readUnsignedIntLE());
        assertTrue(b.readBoolean());
        assertFalse(b.isReadable());
        b.release();
    }

    @Test
    void littleEndianReadsAgreeWithTheJdk() {
        ByteBuffer expected = ByteBuffer.allocate(26).order(ByteOrder.LITTLE_ENDIAN);
        expected.putShort((short) 0x1234).putInt(0x89ABCDEF).putLong(0x1122334455667788L).putFloat(3.25f)
                .putDouble(1e300).flip();
        Buffer b = Buffer.wrap(expected.duplicate());
        assertEquals(0x1234, b.readShortLE());
        assertEquals(0x89ABCDEF, b.readIntLE());
        assertEquals(0x1122334455667788L, b.readLongLE());
        assertEquals(3.25f, b.readFloatLE());
        assertEquals(1e300, b.readDoubleLE());
        b.release();

        Buffer be = pool.allocate(16);
        be.writeMedium(0x010203).writeFloat(7.5f).writeDouble(0.125);
        assertEquals(0x010203, be.readUnsignedMedium());
        assertEquals(7.5f, be.readFloat());
        assertEquals(0.125, be.readDouble());
        be.release();
    }

    @Test
    void wrapSharesTheArrayWithoutCopying() {
        byte[] array = {1, 2, 3, 4, 5, 6};
        Buffer whole = Buffer.wrap(array);
        assertEquals(6, whole.readableBytes());
        assertEquals(6, whole.capacity());
        assertEquals(6, whole.maxCapacity());
        whole.setByte(0, 42);
        assertEquals(42, array[0], "a write through the buffer shows in the array");
        array[5] = 99;
        assertEquals(99, whole.getByte(5), "a write to the array shows in the buffer");
        assertThrows(IndexOutOfBoundsException.class, () -> whole.writeByte(7), "a wrapped buffer cannot grow");
        assertEquals(1, whole.refCnt());
        assertTrue(whole.release());
        assertEquals(42, array[0], "releasing leaves the caller's memory alone");
        assertThrows(IllegalReferenceCountException.class, () -> whole.getByte(0));

        Buffer part = Buffer.wrap(array, 2, 3);
        assertEquals(3, part.readableBytes());
        assertEquals(3, part.readByte());
        part.clear().writeByte(-1);
        assertEquals(-1, array[2]);
        part.release();
        assertThrows(IndexOutOfBoundsException.class, () -> Buffer.wrap(array, 4, 3));
    }

    @Test
    void wrapByteBufferUsesItsRemainingBytesAndLeavesItAlone() {
        ByteBuffer direct = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
        direct.putInt(0, 0x01020304);
        direct.position(0).limit(8);
        Buffer b = Buffer.wrap(direct);
        assertEquals(8, b.readableBytes());
        assertEquals(0x01020304, b.readIntLE(), "the source's byte order does not change how the buffer reads");
        b.setInt(4, 0xA1B2C3D4);
        assertEquals(0xA1B2C3D4, direct.order(ByteOrder.BIG_ENDIAN).getInt(4));
        assertEquals(0, direct.position());
        assertEquals(8, direct.limit());
        Buffer slice = b.retainedSlice(4, 4);
        assertEquals(2, b.refCnt());
        slice.release();
        b.release();

        Buffer readOnly = Buffer.wrap(ByteBuffer.wrap(new byte[] {9, 8}).asReadOnlyBuffer());
        assertEquals(9, readOnly.readByte());
        assertThrows(ReadOnlyBufferException.class, () -> readOnly.setByte(0, 1));
        readOnly.release();
    }

    @Test
    void readSliceAndReadRetainedSliceAdvanceTheReader() {
        Buffer b = pool.allocate(16);
        b.writeBytes(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        Buffer plain = b.readSlice(3);
        assertEquals(3, b.readerIndex());
        assertEquals(3, plain.readableBytes());
        assertEquals(1, plain.readByte());
        assertEquals(1, b.refCnt(), "a read slice is not retained");
        Buffer retained = b.readRetainedSlice(4);
        assertEquals(7, b.readerIndex());
        assertEquals(2, b.refCnt());
        assertEquals(4, retained.readByte());
        assertEquals(5, retained.readByte());
        assertThrows(IndexOutOfBoundsException.class, () -> b.readSlice(2));
        assertThrows(IndexOutOfBoundsException.class, () -> b.readRetainedSlice(2));
        assertEquals(7, b.readerIndex(), "a failed slice moves nothing");
        assertEquals(2, b.refCnt(), "a failed retained slice takes no reference");
        assertFalse(b.release());
        assertEquals(6, retained.readByte(), "the retained slice keeps the memory alive");
        assertTrue(retained.release());
        assertEquals(0, b.refCnt());
    }

    @Test
    void failedReadsAndWritesLeaveTheIndexesUnchanged() {
        Buffer b = pool.allocate(8, 8);
        b.writeInt(0x01020304);
        byte[] small = new byte[2];
        assertThrows(IndexOutOfBoundsException.class, () -> b.readBytes(small, 0, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> b.readBytes(small, -1, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> b.readLong());
        assertThrows(IndexOutOfBoundsException.class, () -> b.readBytes(new byte[8]));
        assertEquals(0, b.readerIndex());
        assertEquals(4, b.writerIndex());

        assertThrows(IndexOutOfBoundsException.class, () -> b.writeBytes(new byte[4], 2, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> b.writeBytes(new byte[4], 0, -1));
        assertThrows(IndexOutOfBoundsException.class, () -> b.writeLong(1));
        assertThrows(IndexOutOfBoundsException.class, () -> b.writeBytes(new byte[5]));
        assertThrows(IndexOutOfBoundsException.class, () -> b.writeZero(-1));
        assertEquals(0, b.readerIndex());
        assertEquals(4, b.writerIndex());
        assertEquals(0x01020304, b.readInt());

        b.release();
        assertThrows(IllegalReferenceCountException.class, () -> b.readByte());
        assertThrows(IllegalReferenceCountException.class, () -> b.writeByte(1));
        assertEquals(4, b.readerIndex());
        assertEquals(4, b.writerIndex());
    }

    @Test
    void slicesOfAGrownBufferSeeItsNewMemory() {
        Buffer b = pool.allocate(64);
        b.writeBytes(new byte[] {10, 20, 30});
        Buffer plain = b.slice(0, 3);
        b.writeBytes(new byte[100_000]);
        assertEquals(20, plain.getByte(1));
        b.setByte(1, 21);
        assertEquals(21, plain.getByte(1));
        b.release();
    }

    @Test
    void wrappedBytesCanBeCopiedOutAndTheCopyIsIndependent() {
        byte[] array = {5, 6, 7};
        Buffer wrapped = Buffer.wrap(array);
        Buffer copy = wrapped.copy();
        array[0] = 0;
        assertArrayEquals(new byte[] {5, 6, 7}, copy.readAllBytes());
        copy.release();
        wrapped.release();
    }
}
