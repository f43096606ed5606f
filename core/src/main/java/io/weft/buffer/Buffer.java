package io.weft.buffer;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Function;

/**
 * A sequence of bytes (usually direct memory) with separate reader and writer indexes.
 *
 * <pre>
 *  +-------------------+------------------+------------------+
 *  | discardable bytes |  readable bytes  |  writable bytes  |
 *  +-------------------+------------------+------------------+
 *  0      &lt;=      readerIndex   &lt;=   writerIndex    &lt;=    capacity
 * </pre>
 *
 * <p>{@code read*}/{@code write*} methods move the indexes; {@code get*}/{@code set*} take an absolute index and
 * move nothing. Multi-byte values are big-endian unless the method name ends in {@code LE}. A write beyond the
 * capacity grows the buffer (reallocating from its allocator) up to {@link #maxCapacity()}. A method that throws
 * (bounds, reference count, allocation) leaves both indexes as they were.
 *
 * <p>Buffers are {@linkplain ReferenceCounted reference counted}: the one who holds the last reference releases
 * it. A {@linkplain #slice(int, int) slice} is a view sharing both memory and reference count with its parent; a
 * {@linkplain #retainedSlice(int, int) retained slice} shares the memory and has a count of its own.
 * {@link #wrap(byte[])} and {@link #wrap(ByteBuffer)} make a buffer over memory the caller already has, without a
 * copy.
 *
 * <p>A buffer is not thread-safe: one thread uses it at a time (ownership may be handed to another thread, for
 * example through an event loop's task queue). It may be released on any thread.
 */
public final class Buffer implements ReferenceCounted {

    // Every buffer is a view: memory (shared with slices), an offset into it, and the count it answers to. What
    // differs between a root, a plain slice and a retained slice lives in the Memory and RefCount objects.
    private final BufferAllocator allocator;
    /** The memory viewed; {@code null} only for a released, recycled retained-slice view. */
    private Memory memory;
    /** The count this view answers to: its memory's (root), its parent's (plain slice) or its own (retained). */
    private RefCount counter;
    /** Offset of index 0 of this buffer inside {@code memory.mem}. */
    private int adjustment;

    private int capacity;
    private int maxCapacity;
    private int readerIndex;
    private int writerIndex;

    private ByteBuffer nioView;
    private ByteBuffer nioViewSource;

    /** A view with no memory yet; see {@link #newRoot} and {@link SliceCount}. */
    Buffer(BufferAllocator allocator) {
        this.allocator = allocator;
    }

    /** A root buffer with memory of its own, to be {@linkplain #attach attached}. */
    static Buffer newRoot(BufferAllocator allocator) {
        Buffer root = new Buffer(allocator);
        Memory m = new Memory(root);
        root.memory = m;
        root.counter = m;
        return root;
    }

    /** Gives a root buffer its memory and resets it for a new owner. */
    void attach(ByteBuffer region, int capacity, int maxCapacity) {
        memory.mem = region;
        this.capacity = capacity;
        this.maxCapacity = maxCapacity;
        this.readerIndex = 0;
        this.writerIndex = 0;
        memory.reset();
    }

    /** Re-arms a pooled root buffer that already owns memory. */
    void reuse(int capacity, int maxCapacity) {
        this.capacity = capacity;
        this.maxCapacity = maxCapacity;
        this.readerIndex = 0;
        this.writerIndex = 0;
        memory.reset();
    }

    /** The leak detector's record of the memory this buffer views (a slice: its root's); null if none or released. */
    LeakDetector.Record leakRecord() {
        Memory m = memory;
        return m == null ? null : m.leak;
    }

    /**
     * Starts tracking the memory this buffer views, with a record made by {@code newRecord} from the buffer owning
     * it, unless it is tracked already; returns its record, or {@code null} if the buffer is released.
     */
    LeakDetector.Record ensureLeakRecord(Function<Buffer, LeakDetector.Record> newRecord) {
        Memory m = memory;
        if (m == null || refCnt() == 0) {
            return null;
        }
        if (m.leak == null) {
            m.leak = newRecord.apply(m.root);
        }
        return m.leak;
    }

    /** The memory behind this buffer; for the allocator and the leak detector. */
    Memory memory() {
        return memory;
    }

    /** A released retained-slice view lets go of the memory it viewed. */
    void detach() {
        memory = null;
        forgetNioView();
    }

    void forgetNioView() {
        nioView = null;
        nioViewSource = null;
    }

    static void checkCapacities(int initialCapacity, int maxCapacity) {
        if (initialCapacity < 0 || maxCapacity < initialCapacity) {
            throw new IllegalArgumentException(
                    "initialCapacity " + initialCapacity + " must be in [0, maxCapacity " + maxCapacity + "]");
        }
    }

    // ---------------------------------------------------------------- wrapping

    /**
     * A buffer over {@code array} itself, without a copy: every byte is readable ({@code writerIndex} is the array
     * length) and it cannot grow. Changes through the buffer show in the array and the other way round. It is
     * reference counted like any buffer, but releasing it only drops the reference: the array stays the
     * caller's (and the leak detector does not track it, as nothing leaks). Written to a channel, it is sent
     * without an extra copy on Weft's side. Copies and slices of it come from {@link UnpooledAllocator}.
     */
    public static Buffer wrap(byte[] array) {
        return wrap(array, 0, array.length);
    }

    /**
     * A buffer over {@code array[offset..offset+length)}, without a copy; see {@link #wrap(byte[])}.
     *
     * @throws IndexOutOfBoundsException if the range lies outside the array
     */
    public static Buffer wrap(byte[] array, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, array.length);
        return wrapRegion(ByteBuffer.wrap(array, offset, length).slice());
    }

    /**
     * A buffer over the remaining bytes of {@code source} (from its position to its limit), without a copy: every
     * byte is readable and it cannot grow. The source's position, limit and byte order are left alone; a read-only
     * source gives a buffer whose writes throw {@link java.nio.ReadOnlyBufferException}. Releasing the buffer does
     * not free the source's memory.
     */
    public static Buffer wrap(ByteBuffer source) {
        return wrapRegion(source.slice());
    }

    private static Buffer wrapRegion(ByteBuffer region) {
        Buffer buffer = newRoot(UnpooledAllocator.INSTANCE);
        int length = region.remaining();
        buffer.attach(region, length, length);
        buffer.writerIndex = length;
        return buffer;
    }

    /** The allocator this buffer came from; used to allocate copies and to grow. */
    public BufferAllocator allocator() {
        return allocator;
    }

    // ---------------------------------------------------------------- reference counting

    @Override
    public int refCnt() {
        return counter.refCnt();
    }

    @Override
    public Buffer retain() {
        counter.retain(1);
        return this;
    }

    @Override
    public Buffer retain(int increment) {
        counter.retain(increment);
        return this;
    }

    @Override
    public boolean release() {
        return counter.release(1);
    }

    @Override
    public boolean release(int decrement) {
        return counter.release(decrement);
    }

    @Override
    public Buffer touch(Object hint) {
        LeakDetector.Record record = counter.leakRecord();
        if (record != null) {
            record.touch(hint);
        }
        return this;
    }

    private void ensureAccessible() {
        if (counter.refCnt() == 0) {
            throw new IllegalReferenceCountException(0, 0);
        }
    }

    // ---------------------------------------------------------------- indexes

    /** Current capacity in bytes. */
    public int capacity() {
        return capacity;
    }

    /** The capacity this buffer may grow to on write. */
    public int maxCapacity() {
        return maxCapacity;
    }

    /** Index of the next byte to read. */
    public int readerIndex() {
        return readerIndex;
    }

    /** Moves the reader index; it must lie in {@code [0, writerIndex]}. */
    public Buffer readerIndex(int index) {
        if (index < 0 || index > writerIndex) {
            throw new IndexOutOfBoundsException("readerIndex " + index + " outside [0, " + writerIndex + "]");
        }
        readerIndex = index;
        return this;
    }

    /** Index of the next byte to write. */
    public int writerIndex() {
        return writerIndex;
    }

    /** Moves the writer index; it must lie in {@code [readerIndex, capacity]}. */
    public Buffer writerIndex(int index) {
        if (index < readerIndex || index > capacity) {
            throw new IndexOutOfBoundsException(
                    "writerIndex " + index + " outside [" + readerIndex + ", " + capacity + "]");
        }
        writerIndex = index;
        return this;
    }

    /** Sets both indexes at once. */
    public Buffer setIndex(int readerIndex, int writerIndex) {
        if (readerIndex < 0 || readerIndex > writerIndex || writerIndex > capacity) {
            throw new IndexOutOfBoundsException(
                    "indexes " + readerIndex + "/" + writerIndex + " invalid for capacity " + capacity);
        }
        this.readerIndex = readerIndex;
        this.writerIndex = writerIndex;
        return this;
    }

    /** {@code writerIndex - readerIndex}. */
    public int readableBytes() {
        return writerIndex - readerIndex;
    }

    /** {@code capacity - writerIndex}: bytes that fit without growing. */
    public int writableBytes() {
        return capacity - writerIndex;
    }

    /** {@code maxCapacity - writerIndex}: bytes that fit with growing. */
    public int maxWritableBytes() {
        return maxCapacity - writerIndex;
    }

    /** Whether at least one byte is readable. */
    public boolean isReadable() {
        return writerIndex > readerIndex;
    }

    /** Whether at least {@code size} bytes are readable. */
    public boolean isReadable(int size) {
        return writerIndex - readerIndex >= size;
    }

    /** Resets both indexes to 0; the content is not zeroed. */
    public Buffer clear() {
        readerIndex = 0;
        writerIndex = 0;
        return this;
    }

    /** Skips {@code length} readable bytes. */
    public Buffer skipBytes(int length) {
        checkReadable(length);
        readerIndex += length;
        return this;
    }

    /** Moves the readable bytes to index 0, reclaiming the space already read. */
    public Buffer discardReadBytes() {
        ensureAccessible();
        if (readerIndex == 0) {
            return this;
        }
        int readable = writerIndex - readerIndex;
        if (readable > 0) {
            ByteBuffer m = memory.mem;
            m.put(adjustment, m, adjustment + readerIndex, readable);
        }
        writerIndex = readable;
        readerIndex = 0;
        return this;
    }

    /**
     * Makes sure {@code minWritable} more bytes can be written, growing the buffer if needed.
     *
     * @throws IndexOutOfBoundsException if that would exceed {@link #maxCapacity()}
     */
    public Buffer ensureWritable(int minWritable) {
        if (minWritable < 0) {
            throw new IllegalArgumentException("minWritable " + minWritable + " must be >= 0");
        }
        if (minWritable <= capacity - writerIndex) {
            return this;
        }
        grow(minWritable);
        return this;
    }

    private void grow(int minWritable) {
        ensureAccessible();
        if (minWritable > maxCapacity - writerIndex) {
            throw new IndexOutOfBoundsException("writing " + minWritable + " bytes at writerIndex " + writerIndex
                    + " exceeds maxCapacity " + maxCapacity);
        }
        Memory m = memory;
        if (m.root != this) {
            throw new IndexOutOfBoundsException(
                    "a slice cannot grow: " + minWritable + " bytes needed, " + writableBytes() + " left");
        }
        int needed = writerIndex + minWritable;
        int newCapacity = Math.max(64, capacity);
        while (newCapacity < needed) {
            newCapacity = newCapacity >= (1 << 30) ? Integer.MAX_VALUE : newCapacity << 1;
        }
        newCapacity = Math.min(newCapacity, maxCapacity);
        Buffer replacement = allocator.allocate(newCapacity, maxCapacity);
        try {
            if (writerIndex > 0) {
                replacement.memory.mem.put(replacement.adjustment, m.mem, adjustment, writerIndex);
            }
            // Trade storage with the replacement, then release it: the old memory goes back where it came from.
            m.swapStorage(replacement.memory);
            int cap = capacity;
            int adj = adjustment;
            capacity = replacement.capacity;
            adjustment = replacement.adjustment;
            replacement.capacity = cap;
            replacement.adjustment = adj;
            replacement.forgetNioView();
            forgetNioView();
        } finally {
            replacement.release();
        }
    }

    private void checkIndex(int index, int length) {
        ensureAccessible();
        if (index < 0 || length < 0 || index > capacity - length) {
            throw new IndexOutOfBoundsException(
                    "index " + index + " length " + length + " outside capacity " + capacity);
        }
    }

    private void checkReadable(int length) {
        if (length < 0 || length > writerIndex - readerIndex) {
            throw new IndexOutOfBoundsException("reading " + length + " bytes but only "
                    + (writerIndex - readerIndex) + " are readable");
        }
    }

    /**
     * Checks that {@code length} bytes can be written (growing if needed) and returns where in the memory they go.
     * Moves no index: callers advance {@code writerIndex} only after the bytes are in.
     */
    private int writeOffset(int length) {
        ensureAccessible();
        if (length < 0) {
            throw new IndexOutOfBoundsException("length " + length + " is negative");
        }
        if (length > capacity - writerIndex) {
            grow(length);
        }
        return writerIndex + adjustment;
    }

    /**
     * Checks that {@code length} bytes are readable and returns where in the memory they start. Moves no index:
     * callers advance {@code readerIndex} only after the bytes are out.
     */
    private int readOffset(int length) {
        ensureAccessible();
        checkReadable(length);
        return readerIndex + adjustment;
    }

    // ---------------------------------------------------------------- absolute get

    /** The byte at {@code index}. */
    public byte getByte(int index) {
        checkIndex(index, 1);
        return memory.mem.get(adjustment + index);
    }

    /** The byte at {@code index} as an unsigned value. */
    public short getUnsignedByte(int index) {
        return (short) (getByte(index) & 0xFF);
    }

    /** The big-endian 16-bit value at {@code index}. */
    public short getShort(int index) {
        checkIndex(index, 2);
        return memory.mem.getShort(adjustment + index);
    }

    /** The little-endian 16-bit value at {@code index}. */
    public short getShortLE(int index) {
        return Short.reverseBytes(getShort(index));
    }

    /** The big-endian unsigned 16-bit value at {@code index}. */
    public int getUnsignedShort(int index) {
        return getShort(index) & 0xFFFF;
    }

    /** The little-endian unsigned 16-bit value at {@code index}. */
    public int getUnsignedShortLE(int index) {
        return getShortLE(index) & 0xFFFF;
    }

    /** The big-endian unsigned 24-bit value at {@code index}. */
    public int getUnsignedMedium(int index) {
        checkIndex(index, 3);
        ByteBuffer m = memory.mem;
        int i = adjustment + index;
        return (m.get(i) & 0xFF) << 16 | (m.get(i + 1) & 0xFF) << 8 | m.get(i + 2) & 0xFF;
    }

    /** The little-endian unsigned 24-bit value at {@code index}. */
    public int getUnsignedMediumLE(int index) {
        checkIndex(index, 3);
        ByteBuffer m = memory.mem;
        int i = adjustment + index;
        return m.get(i) & 0xFF | (m.get(i + 1) & 0xFF) << 8 | (m.get(i + 2) & 0xFF) << 16;
    }

    /** The big-endian 32-bit value at {@code index}. */
    public int getInt(int index) {
        checkIndex(index, 4);
        return memory.mem.getInt(adjustment + index);
    }

    /** The little-endian 32-bit value at {@code index}. */
    public int getIntLE(int index) {
        return Integer.reverseBytes(getInt(index));
    }

    /** The big-endian unsigned 32-bit value at {@code index}. */
    public long getUnsignedInt(int index) {
        return getInt(index) & 0xFFFFFFFFL;
    }

    /** The little-endian unsigned 32-bit value at {@code index}. */
    public long getUnsignedIntLE(int index) {
        return getIntLE(index) & 0xFFFFFFFFL;
    }

    /** The big-endian 64-bit value at {@code index}. */
    public long getLong(int index) {
        checkIndex(index, 8);
        return memory.mem.getLong(adjustment + index);
    }

    /** The little-endian 64-bit value at {@code index}. */
    public long getLongLE(int index) {
        return Long.reverseBytes(getLong(index));
    }

    /** Copies {@code length} bytes starting at {@code index} into {@code dst[dstIndex..]}. */
    public Buffer getBytes(int index, byte[] dst, int dstIndex, int length) {
        checkIndex(index, length);
        memory.mem.get(adjustment + index, dst, dstIndex, length);
        return this;
    }

    // ---------------------------------------------------------------- absolute set

    /** Sets the byte at {@code index}. */
    public Buffer setByte(int index, int value) {
        checkIndex(index, 1);
        memory.mem.put(adjustment + index, (byte) value);
        return this;
    }

    /** Sets the big-endian 16-bit value at {@code index}. */
    public Buffer setShort(int index, int value) {
        checkIndex(index, 2);
        memory.mem.putShort(adjustment + index, (short) value);
        return this;
    }

    /** Sets the little-endian 16-bit value at {@code index}. */
    public Buffer setShortLE(int index, int value) {
        return setShort(index, Short.reverseBytes((short) value));
    }

    /** Sets the big-endian 24-bit value at {@code index}. */
    public Buffer setMedium(int index, int value) {
        checkIndex(index, 3);
        ByteBuffer m = memory.mem;
        int i = adjustment + index;
        m.put(i, (byte) (value >>> 16));
        m.put(i + 1, (byte) (value >>> 8));
        m.put(i + 2, (byte) value);
        return this;
    }

    /** Sets the little-endian 24-bit value at {@code index}. */
    public Buffer setMediumLE(int index, int value) {
        checkIndex(index, 3);
        ByteBuffer m = memory.mem;
        int i = adjustment + index;
        m.put(i, (byte) value);
        m.put(i + 1, (byte) (value >>> 8));
        m.put(i + 2, (byte) (value >>> 16));
        return this;
    }

    /** Sets the big-endian 32-bit value at {@code index}. */
    public Buffer setInt(int index, int value) {
        checkIndex(index, 4);
        memory.mem.putInt(adjustment + index, value);
        return this;
    }

    /** Sets the little-endian 32-bit value at {@code index}. */
    public Buffer setIntLE(int index, int value) {
        return setInt(index, Integer.reverseBytes(value));
    }

    /** Sets the big-endian 64-bit value at {@code index}. */
    public Buffer setLong(int index, long value) {
        checkIndex(index, 8);
        memory.mem.putLong(adjustment + index, value);
        return this;
    }

    /** Sets the little-endian 64-bit value at {@code index}. */
    public Buffer setLongLE(int index, long value) {
        return setLong(index, Long.reverseBytes(value));
    }

    /** Copies {@code src[srcIndex..srcIndex+length)} to {@code index}. */
    public Buffer setBytes(int index, byte[] src, int srcIndex, int length) {
        checkIndex(index, length);
        memory.mem.put(adjustment + index, src, srcIndex, length);
        return this;
    }

    /** Copies {@code length} bytes of {@code src} starting at {@code srcIndex} to {@code index}; moves no index. */
    public Buffer setBytes(int index, Buffer src, int srcIndex, int length) {
        checkIndex(index, length);
        src.checkIndex(srcIndex, length);
        memory.mem.put(adjustment + index, src.memory.mem, src.adjustment + srcIndex, length);
        return this;
    }

    // ---------------------------------------------------------------- relative read

    /** Reads one byte. */
    public byte readByte() {
        int i = readOffset(1);
        byte value = memory.mem.get(i);
        readerIndex++;
        return value;
    }

    /** Reads one unsigned byte. */
    public short readUnsignedByte() {
        return (short) (readByte() & 0xFF);
    }

    /** Reads a boolean: any byte other than zero is {@code true}. */
    public boolean readBoolean() {
        return readByte() != 0;
    }

    /** Reads a big-endian 16-bit value. */
    public short readShort() {
        int i = readOffset(2);
        short value = memory.mem.getShort(i);
        readerIndex += 2;
        return value;
    }

    /** Reads a little-endian 16-bit value. */
    public short readShortLE() {
        return Short.reverseBytes(readShort());
    }

    /** Reads a big-endian unsigned 16-bit value. */
    public int readUnsignedShort() {
        return readShort() & 0xFFFF;
    }

    /** Reads a little-endian unsigned 16-bit value. */
    public int readUnsignedShortLE() {
        return readShortLE() & 0xFFFF;
    }

    /** Reads a big-endian unsigned 24-bit value. */
    public int readUnsignedMedium() {
        checkReadable(3);
        int value = getUnsignedMedium(readerIndex);
        readerIndex += 3;
        return value;
    }

    /** Reads a little-endian unsigned 24-bit value. */
    public int readUnsignedMediumLE() {
        checkReadable(3);
        int value = getUnsignedMediumLE(readerIndex);
        readerIndex += 3;
        return value;
    }

    /** Reads a big-endian 32-bit value. */
    public int readInt() {
        int i = readOffset(4);
        int value = memory.mem.getInt(i);
        readerIndex += 4;
        return value;
    }

    /** Reads a little-endian 32-bit value. */
    public int readIntLE() {
        return Integer.reverseBytes(readInt());
    }

    /** Reads a big-endian unsigned 32-bit value. */
    public long readUnsignedInt() {
        return readInt() & 0xFFFFFFFFL;
    }

    /** Reads a little-endian unsigned 32-bit value. */
    public long readUnsignedIntLE() {
        return readIntLE() & 0xFFFFFFFFL;
    }

    /** Reads a big-endian 64-bit value. */
    public long readLong() {
        int i = readOffset(8);
        long value = memory.mem.getLong(i);
        readerIndex += 8;
        return value;
    }

    /** Reads a little-endian 64-bit value. */
    public long readLongLE() {
        return Long.reverseBytes(readLong());
    }

    /** Reads a big-endian IEEE 754 32-bit floating-point value. */
    public float readFloat() {
        return Float.intBitsToFloat(readInt());
    }

    /** Reads a little-endian IEEE 754 32-bit floating-point value. */
    public float readFloatLE() {
        return Float.intBitsToFloat(readIntLE());
    }

    /** Reads a big-endian IEEE 754 64-bit floating-point value. */
    public double readDouble() {
        return Double.longBitsToDouble(readLong());
    }

    /** Reads a little-endian IEEE 754 64-bit floating-point value. */
    public double readDoubleLE() {
        return Double.longBitsToDouble(readLongLE());
    }

    /** Reads {@code dst.length} bytes into {@code dst}. */
    public Buffer readBytes(byte[] dst) {
        return readBytes(dst, 0, dst.length);
    }

    /**
     * Reads {@code length} bytes into {@code dst[dstIndex..]}.
     *
     * @throws IndexOutOfBoundsException if fewer bytes are readable or {@code dst} is too small (nothing moves)
     */
    public Buffer readBytes(byte[] dst, int dstIndex, int length) {
        Objects.checkFromIndexSize(dstIndex, length, dst.length);
        int i = readOffset(length);
        memory.mem.get(i, dst, dstIndex, length);
        readerIndex += length;
        return this;
    }

    /** Reads {@code length} bytes into {@code dst}, advancing its writer index (growing it if needed). */
    public Buffer readBytes(Buffer dst, int length) {
        checkReadable(length);
        dst.writeBytes(this, readerIndex, length);
        readerIndex += length;
        return this;
    }

    /** Reads {@code length} bytes into a new buffer from this buffer's allocator; the caller owns the result. */
    public Buffer readBytes(int length) {
        checkReadable(length);
        Buffer copy = copy(readerIndex, length);
        readerIndex += length;
        return copy;
    }

    /**
     * Reads {@code length} bytes as a {@linkplain #slice(int, int) slice}: a view of the next {@code length}
     * readable bytes that shares this buffer's memory and reference count and is not retained (it is valid only
     * as long as this buffer is). The reader index moves past the sliced bytes.
     *
     * @throws IndexOutOfBoundsException if fewer than {@code length} bytes are readable (nothing moves)
     */
    public Buffer readSlice(int length) {
        checkReadable(length);
        Buffer slice = slice(readerIndex, length);
        readerIndex += length;
        return slice;
    }

    /**
     * Reads {@code length} bytes as a {@linkplain #retainedSlice(int, int) retained slice}: a view of the next
     * {@code length} readable bytes with a reference count of its own, which keeps this buffer's memory alive
     * until the slice is released. The caller must release the slice. The reader index moves past the sliced
     * bytes. This is how a frame decoder hands out frames without copying.
     *
     * @throws IndexOutOfBoundsException if fewer than {@code length} bytes are readable (nothing moves)
     */
    public Buffer readRetainedSlice(int length) {
        checkReadable(length);
        Buffer slice = retainedSlice(readerIndex, length);
        readerIndex += length;
        return slice;
    }

    /** Copies all readable bytes into a new array and advances the reader index. */
    public byte[] readAllBytes() {
        byte[] bytes = new byte[readableBytes()];
        readBytes(bytes);
        return bytes;
    }

    // ---------------------------------------------------------------- relative write

    /** Writes one byte. */
    public Buffer writeByte(int value) {
        int i = writeOffset(1);
        memory.mem.put(i, (byte) value);
        writerIndex++;
        return this;
    }

    /** Writes a boolean as one byte, 1 or 0. */
    public Buffer writeBoolean(boolean value) {
        return writeByte(value ? 1 : 0);
    }

    /** Writes a big-endian 16-bit value. */
    public Buffer writeShort(int value) {
        int i = writeOffset(2);
        memory.mem.putShort(i, (short) value);
        writerIndex += 2;
        return this;
    }

    /** Writes a little-endian 16-bit value. */
    public Buffer writeShortLE(int value) {
        return writeShort(Short.reverseBytes((short) value));
    }

    /** Writes a big-endian 24-bit value. */
    public Buffer writeMedium(int value) {
        writeOffset(3);
        setMedium(writerIndex, value);
        writerIndex += 3;
        return this;
    }

    /** Writes a little-endian 24-bit value. */
    public Buffer writeMediumLE(int value) {
        writeOffset(3);
        setMediumLE(writerIndex, value);
        writerIndex += 3;
        return this;
    }

    /** Writes a big-endian 32-bit value. */
    public Buffer writeInt(int value) {
        int i = writeOffset(4);
        memory.mem.putInt(i, value);
        writerIndex += 4;
        return this;
    }

    /** Writes a little-endian 32-bit value. */
    public Buffer writeIntLE(int value) {
        return writeInt(Integer.reverseBytes(value));
    }

    /** Writes a big-endian 64-bit value. */
    public Buffer writeLong(long value) {
        int i = writeOffset(8);
        memory.mem.putLong(i, value);
        writerIndex += 8;
        return this;
    }

    /** Writes a little-endian 64-bit value. */
    public Buffer writeLongLE(long value) {
        return writeLong(Long.reverseBytes(value));
    }

    /** Writes a big-endian IEEE 754 32-bit floating-point value. */
    public Buffer writeFloat(float value) {
        return writeInt(Float.floatToRawIntBits(value));
    }

    /** Writes a little-endian IEEE 754 32-bit floating-point value. */
    public Buffer writeFloatLE(float value) {
        return writeIntLE(Float.floatToRawIntBits(value));
    }

    /** Writes a big-endian IEEE 754 64-bit floating-point value. */
    public Buffer writeDouble(double value) {
        return writeLong(Double.doubleToRawLongBits(value));
    }

    /** Writes a little-endian IEEE 754 64-bit floating-point value. */
    public Buffer writeDoubleLE(double value) {
        return writeLongLE(Double.doubleToRawLongBits(value));
    }

    /** Writes all of {@code src}. */
    public Buffer writeBytes(byte[] src) {
        return writeBytes(src, 0, src.length);
    }

    /**
     * Writes {@code src[srcIndex..srcIndex+length)}.
     *
     * @throws IndexOutOfBoundsException if the range lies outside {@code src} or beyond {@link #maxCapacity()}
     *                                   (nothing moves)
     */
    public Buffer writeBytes(byte[] src, int srcIndex, int length) {
        Objects.checkFromIndexSize(srcIndex, length, src.length);
        int i = writeOffset(length);
        memory.mem.put(i, src, srcIndex, length);
        writerIndex += length;
        return this;
    }

    /** Writes the readable bytes of {@code src} and advances its reader index. */
    public Buffer writeBytes(Buffer src) {
        int length = src.readableBytes();
        writeBytes(src, src.readerIndex, length);
        src.readerIndex += length;
        return this;
    }

    /** Writes {@code length} bytes of {@code src} starting at {@code srcIndex}; moves no index of {@code src}. */
    public Buffer writeBytes(Buffer src, int srcIndex, int length) {
        src.checkIndex(srcIndex, length);
        int dst = writeOffset(length);
        memory.mem.put(dst, src.memory.mem, src.adjustment + srcIndex, length);
        writerIndex += length;
        return this;
    }

    /** Writes the remaining bytes of {@code src} and advances its position. */
    public Buffer writeBytes(ByteBuffer src) {
        int length = src.remaining();
        int dst = writeOffset(length);
        memory.mem.put(dst, src, src.position(), length);
        writerIndex += length;
        src.position(src.position() + length);
        return this;
    }

    /** Writes {@code length} zero bytes. */
    public Buffer writeZero(int length) {
        int dst = writeOffset(length);
        ByteBuffer m = memory.mem;
        for (int i = 0; i < length; i++) {
            m.put(dst + i, (byte) 0);
        }
        writerIndex += length;
        return this;
    }

    /**
     * Encodes {@code text} with {@code charset} and writes it.
     *
     * @return the number of bytes written
     */
    public int writeCharSequence(CharSequence text, Charset charset) {
        if (charset == StandardCharsets.US_ASCII || charset == StandardCharsets.ISO_8859_1) {
            int length = text.length();
            int dst = writeOffset(length);
            ByteBuffer m = memory.mem;
            for (int i = 0; i < length; i++) {
                char c = text.charAt(i);
                m.put(dst + i, (byte) (c > 0xFF || (c > 0x7F && charset == StandardCharsets.US_ASCII) ? '?' : c));
            }
            writerIndex += length;
            return length;
        }
        byte[] bytes = text.toString().getBytes(charset);
        writeBytes(bytes);
        return bytes.length;
    }

    // ---------------------------------------------------------------- search and views

    /**
     * Returns the index of the first occurrence of {@code value} in {@code [fromIndex, toIndex)}, or -1.
     */
    public int indexOf(int fromIndex, int toIndex, byte value) {
        if (fromIndex >= toIndex) {
            return -1;
        }
        checkIndex(fromIndex, toIndex - fromIndex);
        ByteBuffer m = memory.mem;
        int adj = adjustment;
        for (int i = fromIndex; i < toIndex; i++) {
            if (m.get(adj + i) == value) {
                return i;
            }
        }
        return -1;
    }

    /** A view of the readable bytes sharing memory and reference count (not retained). */
    public Buffer slice() {
        return slice(readerIndex, readableBytes());
    }

    /**
     * A view of {@code [index, index+length)} sharing memory and reference count with this buffer (not
     * retained). Its reader index is 0 and writer index {@code length}; it cannot grow.
     */
    public Buffer slice(int index, int length) {
        checkIndex(index, length);
        Buffer slice = new Buffer(allocator);
        slice.memory = memory;
        slice.counter = counter;
        slice.adjustment = adjustment + index;
        slice.capacity = length;
        slice.maxCapacity = length;
        slice.writerIndex = length;
        return slice;
    }

    /**
     * A view of {@code [index, index+length)} sharing this buffer's memory, with a reference count of its own
     * (starting at 1) that holds one reference on this buffer until the slice is released. The caller must release
     * the slice. Slices of pooled buffers reuse slice objects from the thread cache that owns the memory, so
     * decoders that emit retained slices allocate nothing in the steady state.
     */
    public Buffer retainedSlice(int index, int length) {
        checkIndex(index, length);
        RefCount owner = counter;
        owner.retain(1);
        Memory m = memory;
        // Slice objects are lent by the thread cache that owns the parent's memory, when that is this thread's.
        PooledAllocator.Home h = m.home;
        SliceCount count = h == null ? null : h.takeSlice();
        if (count == null) {
            count = new SliceCount(allocator);
        }
        count.home = h;
        count.parent = owner;
        Buffer slice = count.view;
        slice.memory = m;
        slice.counter = count;
        slice.adjustment = adjustment + index;
        slice.capacity = length;
        slice.maxCapacity = length;
        slice.readerIndex = 0;
        slice.writerIndex = length;
        count.reset();
        return slice;
    }

    /** A retained slice of the readable bytes. */
    public Buffer retainedSlice() {
        return retainedSlice(readerIndex, readableBytes());
    }

    /** A new buffer holding a copy of the readable bytes; the caller owns it. */
    public Buffer copy() {
        return copy(readerIndex, readableBytes());
    }

    /** A new buffer holding a copy of {@code [index, index+length)}; the caller owns it. */
    public Buffer copy(int index, int length) {
        checkIndex(index, length);
        Buffer copy = allocator.allocate(length);
        copy.writeBytes(this, index, length);
        return copy;
    }

    /**
     * A new {@link ByteBuffer} view of {@code [index, index+length)} whose position is 0; it shares memory but
     * is independent of this buffer's indexes.
     */
    public ByteBuffer nioBuffer(int index, int length) {
        checkIndex(index, length);
        int start = adjustment + index;
        return memory.mem.slice(start, length);
    }

    /** {@link #nioBuffer(int, int)} of the readable bytes. */
    public ByteBuffer nioBuffer() {
        return nioBuffer(readerIndex, readableBytes());
    }

    /**
     * A reused {@link ByteBuffer} view whose position is {@code index} mapped into the memory and whose limit is
     * {@code position + length}. Valid until the next call on this buffer; allocation-free, for handing memory to
     * NIO, {@code Deflater}, {@code CRC32C} and the like. Advance this buffer's indexes yourself afterwards by
     * the number of bytes consumed ({@code view.position() - start}).
     */
    public ByteBuffer internalNioBuffer(int index, int length) {
        checkIndex(index, length);
        ByteBuffer source = memory.mem;
        ByteBuffer view = nioView;
        if (view == null || nioViewSource != source) {
            view = source.duplicate();
            nioView = view;
            nioViewSource = source;
        }
        int start = adjustment + index;
        view.clear();
        view.position(start);
        view.limit(start + length);
        return view;
    }

    /** Decodes the readable bytes with {@code charset}; moves no index. */
    public String toString(Charset charset) {
        return toString(readerIndex, readableBytes(), charset);
    }

    /** Decodes {@code [index, index+length)} with {@code charset}. */
    public String toString(int index, int length, Charset charset) {
        byte[] bytes = new byte[length];
        getBytes(index, bytes, 0, length);
        return new String(bytes, charset);
    }

    /** Equality of the readable bytes, as for Netty's buffers. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Buffer other)) {
            return false;
        }
        int length = readableBytes();
        if (length != other.readableBytes()) {
            return false;
        }
        int a = adjustment + readerIndex;
        int b = other.adjustment + other.readerIndex;
        return memory.mem.slice(a, length).equals(other.memory.mem.slice(b, length));
    }

    @Override
    public int hashCode() {
        int hash = 1;
        ByteBuffer m = memory.mem;
        for (int i = adjustment + readerIndex, end = adjustment + writerIndex; i < end; i++) {
            hash = 31 * hash + m.get(i);
        }
        return hash;
    }

    @Override
    public String toString() {
        return "Buffer(ridx: " + readerIndex + ", widx: " + writerIndex + ", cap: " + capacity + "/" + maxCapacity
                + ", refCnt: " + counter.refCnt() + ")";
    }
}
