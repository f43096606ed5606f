package io.weft.buffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * A growable sequence of bytes in direct memory with separate reader and writer indexes.
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
 * capacity grows the buffer (reallocating from its allocator) up to {@link #maxCapacity()}.
 *
 * <p>Buffers are {@linkplain ReferenceCounted reference counted}: the one who holds the last reference releases
 * it. A {@linkplain #slice(int, int) slice} is a view sharing both memory and reference count with its parent.
 *
 * <p>A buffer is not thread-safe: one thread uses it at a time (ownership may be handed to another thread, for
 * example through an event loop's task queue). It may be released on any thread.
 */
public final class Buffer implements ReferenceCounted {

    private static final VarHandle REF_CNT;

    static {
        try {
            REF_CNT = MethodHandles.lookup().findVarHandle(Buffer.class, "refCnt", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private BufferAllocator allocator;
    /** The buffer owning the memory; {@code this} for a root buffer. */
    private Buffer root;
    /** Offset of index 0 of this buffer inside {@code root.mem}. */
    private int adjustment;
    /**
     * The buffer holding the reference count this buffer uses: {@code this} for a root buffer and for a retained
     * slice (which counts on its own), the parent's for a plain slice.
     */
    private Buffer rc;
    /** For a retained slice: the count it holds on its parent, given back when its own count reaches zero. */
    private Buffer derivedParent;
    /** For a retained slice: the thread cache that lent this slice object and takes it back. */
    private PooledAllocator.Home sliceHome;

    // Storage: only meaningful on a root buffer.
    ByteBuffer mem;
    PooledAllocator.Home home;
    int sizeClass;

    private int capacity;
    private int maxCapacity;
    private int readerIndex;
    private int writerIndex;

    private ByteBuffer nioView;
    private ByteBuffer nioViewSource;

    private volatile int refCnt;
    LeakDetector.Record leak;

    Buffer(BufferAllocator allocator, Buffer root, int adjustment) {
        this.allocator = allocator;
        this.root = root == null ? this : root;
        this.adjustment = adjustment;
        this.rc = this;
    }

    /** Gives a root buffer its memory and resets it for a new owner. */
    void attach(ByteBuffer memory, int capacity, int maxCapacity) {
        this.mem = memory;
        this.capacity = capacity;
        this.maxCapacity = maxCapacity;
        this.readerIndex = 0;
        this.writerIndex = 0;
        REF_CNT.setRelease(this, 1);
    }

    /** Re-arms a pooled root buffer that already owns memory. */
    void reuse(int maxCapacity) {
        this.maxCapacity = maxCapacity;
        this.readerIndex = 0;
        this.writerIndex = 0;
        REF_CNT.setRelease(this, 1);
    }

    static void checkCapacities(int initialCapacity, int maxCapacity) {
        if (initialCapacity < 0 || maxCapacity < initialCapacity) {
            throw new IllegalArgumentException(
                    "initialCapacity " + initialCapacity + " must be in [0, maxCapacity " + maxCapacity + "]");
        }
    }

    /** The allocator this buffer came from; used to allocate copies and to grow. */
    public BufferAllocator allocator() {
        return allocator;
    }

    /** The leak detector's record of the memory this buffer views (a slice: its root's); null if none or released. */
    LeakDetector.Record leakRecord() {
        Buffer r = root;
        return r == null ? null : r.leak;
    }

    /**
     * Starts tracking the memory this buffer views, with a record made by {@code newRecord} from the buffer owning
     * it, unless it is tracked already; returns its record, or {@code null} if the buffer is released.
     */
    LeakDetector.Record ensureLeakRecord(java.util.function.Function<Buffer, LeakDetector.Record> newRecord) {
        Buffer r = root;
        if (r == null || refCnt() == 0) {
            return null;
        }
        if (r.leak == null) {
            r.leak = newRecord.apply(r);
        }
        return r.leak;
    }

    // ---------------------------------------------------------------- reference counting

    @Override
    public int refCnt() {
        return rc.refCnt;
    }

    @Override
    public Buffer retain() {
        return retain(1);
    }

    @Override
    public Buffer retain(int increment) {
        if (increment <= 0) {
            throw new IllegalArgumentException("increment " + increment + " must be positive");
        }
        Buffer r = rc;
        for (;;) {
            int current = r.refCnt;
            if (current <= 0 || current + increment < current) {
                throw new IllegalReferenceCountException(current, increment);
            }
            if (REF_CNT.compareAndSet(r, current, current + increment)) {
                return this;
            }
        }
    }

    @Override
    public boolean release() {
        return release(1);
    }

    @Override
    public boolean release(int decrement) {
        if (decrement <= 0) {
            throw new IllegalArgumentException("decrement " + decrement + " must be positive");
        }
        Buffer r = rc;
        for (;;) {
            int current = r.refCnt;
            if (current < decrement) {
                throw new IllegalReferenceCountException(current, -decrement);
            }
            if (REF_CNT.compareAndSet(r, current, current - decrement)) {
                if (current == decrement) {
                    r.deallocate();
                    return true;
                }
                return false;
            }
        }
    }

    private void deallocate() {
        Buffer parent = derivedParent;
        if (parent != null) {
            derivedParent = null;
            root = null;
            nioView = null;
            nioViewSource = null;
            PooledAllocator.Home h = sliceHome;
            sliceHome = null;
            if (h != null) {
                h.recycleSlice(this);
            }
            parent.release();
            return;
        }
        LeakDetector.Record record = leak;
        if (record != null) {
            leak = null;
            record.close();
        }
        PooledAllocator.Home h = home;
        if (h != null) {
            h.recycle(this);
        } else {
            mem = null;
            nioView = null;
            nioViewSource = null;
        }
    }

    @Override
    public Buffer touch(Object hint) {
        Buffer r = root;
        LeakDetector.Record record = r == null ? null : r.leak;
        if (record != null) {
            record.touch(hint);
        }
        return this;
    }

    private void ensureAccessible() {
        if (rc.refCnt == 0) {
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
            ByteBuffer m = root.mem;
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
        if (root != this) {
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
                replacement.mem.put(0, mem, 0, writerIndex);
            }
            // Trade storage with the replacement, then release it: the old memory goes back where it came from.
            ByteBuffer m = mem;
            PooledAllocator.Home h = home;
            int sc = sizeClass;
            int cap = capacity;
            mem = replacement.mem;
            home = replacement.home;
            sizeClass = replacement.sizeClass;
            capacity = replacement.capacity;
            replacement.mem = m;
            replacement.home = h;
            replacement.sizeClass = sc;
            replacement.capacity = cap;
            replacement.nioView = null;
            replacement.nioViewSource = null;
            nioView = null;
            nioViewSource = null;
        } finally {
            replacement.release();
        }
    }

    /** Pooled buffers keep their memory; this lets the pool restore the capacity of its size class. */
    void resetCapacity(int capacity) {
        this.capacity = capacity;
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

    private int prepareWrite(int length) {
        ensureAccessible();
        if (length > capacity - writerIndex) {
            grow(length);
        }
        int index = writerIndex;
        writerIndex = index + length;
        return index + adjustment;
    }

    private int prepareRead(int length) {
        ensureAccessible();
        checkReadable(length);
        int index = readerIndex;
        readerIndex = index + length;
        return index + adjustment;
    }

    // ---------------------------------------------------------------- absolute get

    /** The byte at {@code index}. */
    public byte getByte(int index) {
        checkIndex(index, 1);
        return root.mem.get(adjustment + index);
    }

    /** The byte at {@code index} as an unsigned value. */
    public short getUnsignedByte(int index) {
        return (short) (getByte(index) & 0xFF);
    }

    /** The big-endian 16-bit value at {@code index}. */
    public short getShort(int index) {
        checkIndex(index, 2);
        return root.mem.getShort(adjustment + index);
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
        ByteBuffer m = root.mem;
        int i = adjustment + index;
        return (m.get(i) & 0xFF) << 16 | (m.get(i + 1) & 0xFF) << 8 | m.get(i + 2) & 0xFF;
    }

    /** The little-endian unsigned 24-bit value at {@code index}. */
    public int getUnsignedMediumLE(int index) {
        checkIndex(index, 3);
        ByteBuffer m = root.mem;
        int i = adjustment + index;
        return m.get(i) & 0xFF | (m.get(i + 1) & 0xFF) << 8 | (m.get(i + 2) & 0xFF) << 16;
    }

    /** The big-endian 32-bit value at {@code index}. */
    public int getInt(int index) {
        checkIndex(index, 4);
        return root.mem.getInt(adjustment + index);
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
        return root.mem.getLong(adjustment + index);
    }

    /** The little-endian 64-bit value at {@code index}. */
    public long getLongLE(int index) {
        return Long.reverseBytes(getLong(index));
    }

    /** Copies {@code length} bytes starting at {@code index} into {@code dst[dstIndex..]}. */
    public Buffer getBytes(int index, byte[] dst, int dstIndex, int length) {
        checkIndex(index, length);
        root.mem.get(adjustment + index, dst, dstIndex, length);
        return this;
    }

    // ---------------------------------------------------------------- absolute set

    /** Sets the byte at {@code index}. */
    public Buffer setByte(int index, int value) {
        checkIndex(index, 1);
        root.mem.put(adjustment + index, (byte) value);
        return this;
    }

    /** Sets the big-endian 16-bit value at {@code index}. */
    public Buffer setShort(int index, int value) {
        checkIndex(index, 2);
        root.mem.putShort(adjustment + index, (short) value);
        return this;
    }

    /** Sets the little-endian 16-bit value at {@code index}. */
    public Buffer setShortLE(int index, int value) {
        return setShort(index, Short.reverseBytes((short) value));
    }

    /** Sets the big-endian 24-bit value at {@code index}. */
    public Buffer setMedium(int index, int value) {
        checkIndex(index, 3);
        ByteBuffer m = root.mem;
        int i = adjustment + index;
        m.put(i, (byte) (value >>> 16));
        m.put(i + 1, (byte) (value >>> 8));
        m.put(i + 2, (byte) value);
        return this;
    }

    /** Sets the little-endian 24-bit value at {@code index}. */
    public Buffer setMediumLE(int index, int value) {
        checkIndex(index, 3);
        ByteBuffer m = root.mem;
        int i = adjustment + index;
        m.put(i, (byte) value);
        m.put(i + 1, (byte) (value >>> 8));
        m.put(i + 2, (byte) (value >>> 16));
        return this;
    }

    /** Sets the big-endian 32-bit value at {@code index}. */
    public Buffer setInt(int index, int value) {
        checkIndex(index, 4);
        root.mem.putInt(adjustment + index, value);
        return this;
    }

    /** Sets the little-endian 32-bit value at {@code index}. */
    public Buffer setIntLE(int index, int value) {
        return setInt(index, Integer.reverseBytes(value));
    }

    /** Sets the big-endian 64-bit value at {@code index}. */
    public Buffer setLong(int index, long value) {
        checkIndex(index, 8);
        root.mem.putLong(adjustment + index, value);
        return this;
    }

    /** Sets the little-endian 64-bit value at {@code index}. */
    public Buffer setLongLE(int index, long value) {
        return setLong(index, Long.reverseBytes(value));
    }

    /** Copies {@code src[srcIndex..srcIndex+length)} to {@code index}. */
    public Buffer setBytes(int index, byte[] src, int srcIndex, int length) {
        checkIndex(index, length);
        root.mem.put(adjustment + index, src, srcIndex, length);
        return this;
    }

    /** Copies {@code length} bytes of {@code src} starting at {@code srcIndex} to {@code index}; moves no index. */
    public Buffer setBytes(int index, Buffer src, int srcIndex, int length) {
        checkIndex(index, length);
        src.checkIndex(srcIndex, length);
        root.mem.put(adjustment + index, src.root.mem, src.adjustment + srcIndex, length);
        return this;
    }

    // ---------------------------------------------------------------- relative read

    /** Reads one byte. */
    public byte readByte() {
        int i = prepareRead(1);
        return root.mem.get(i);
    }

    /** Reads one unsigned byte. */
    public short readUnsignedByte() {
        return (short) (readByte() & 0xFF);
    }

    /** Reads a big-endian 16-bit value. */
    public short readShort() {
        int i = prepareRead(2);
        return root.mem.getShort(i);
    }

    /** Reads a big-endian unsigned 16-bit value. */
    public int readUnsignedShort() {
        return readShort() & 0xFFFF;
    }

    /** Reads a big-endian 32-bit value. */
    public int readInt() {
        int i = prepareRead(4);
        return root.mem.getInt(i);
    }

    /** Reads a big-endian unsigned 32-bit value. */
    public long readUnsignedInt() {
        return readInt() & 0xFFFFFFFFL;
    }

    /** Reads a big-endian 64-bit value. */
    public long readLong() {
        int i = prepareRead(8);
        return root.mem.getLong(i);
    }

    /** Reads {@code dst.length} bytes into {@code dst}. */
    public Buffer readBytes(byte[] dst) {
        return readBytes(dst, 0, dst.length);
    }

    /** Reads {@code length} bytes into {@code dst[dstIndex..]}. */
    public Buffer readBytes(byte[] dst, int dstIndex, int length) {
        int i = prepareRead(length);
        root.mem.get(i, dst, dstIndex, length);
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
        Buffer copy = allocator.allocate(length);
        copy.writeBytes(this, readerIndex, length);
        readerIndex += length;
        return copy;
    }

    /** Reads {@code length} bytes as a slice sharing this buffer's reference count (not retained). */
    public Buffer readSlice(int length) {
        checkReadable(length);
        Buffer slice = slice(readerIndex, length);
        readerIndex += length;
        return slice;
    }

    /** Reads {@code length} bytes as a {@linkplain #retainedSlice(int, int) retained slice}: the caller must release it. */
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
        int i = prepareWrite(1);
        root.mem.put(i, (byte) value);
        return this;
    }

    /** Writes a big-endian 16-bit value. */
    public Buffer writeShort(int value) {
        int i = prepareWrite(2);
        root.mem.putShort(i, (short) value);
        return this;
    }

    /** Writes a little-endian 16-bit value. */
    public Buffer writeShortLE(int value) {
        return writeShort(Short.reverseBytes((short) value));
    }

    /** Writes a big-endian 24-bit value. */
    public Buffer writeMedium(int value) {
        ensureWritable(3);
        setMedium(writerIndex, value);
        writerIndex += 3;
        return this;
    }

    /** Writes a little-endian 24-bit value. */
    public Buffer writeMediumLE(int value) {
        ensureWritable(3);
        setMediumLE(writerIndex, value);
        writerIndex += 3;
        return this;
    }

    /** Writes a big-endian 32-bit value. */
    public Buffer writeInt(int value) {
        int i = prepareWrite(4);
        root.mem.putInt(i, value);
        return this;
    }

    /** Writes a little-endian 32-bit value. */
    public Buffer writeIntLE(int value) {
        return writeInt(Integer.reverseBytes(value));
    }

    /** Writes a big-endian 64-bit value. */
    public Buffer writeLong(long value) {
        int i = prepareWrite(8);
        root.mem.putLong(i, value);
        return this;
    }

    /** Writes a little-endian 64-bit value. */
    public Buffer writeLongLE(long value) {
        return writeLong(Long.reverseBytes(value));
    }

    /** Writes all of {@code src}. */
    public Buffer writeBytes(byte[] src) {
        return writeBytes(src, 0, src.length);
    }

    /** Writes {@code src[srcIndex..srcIndex+length)}. */
    public Buffer writeBytes(byte[] src, int srcIndex, int length) {
        int i = prepareWrite(length);
        root.mem.put(i, src, srcIndex, length);
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
        int dst = prepareWrite(length);
        ByteBuffer m = root.mem;
        m.put(dst, src.root.mem, src.adjustment + srcIndex, length);
        return this;
    }

    /** Writes the remaining bytes of {@code src} and advances its position. */
    public Buffer writeBytes(ByteBuffer src) {
        int length = src.remaining();
        int dst = prepareWrite(length);
        root.mem.put(dst, src, src.position(), length);
        src.position(src.position() + length);
        return this;
    }

    /** Writes {@code length} zero bytes. */
    public Buffer writeZero(int length) {
        int dst = prepareWrite(length);
        ByteBuffer m = root.mem;
        for (int i = 0; i < length; i++) {
            m.put(dst + i, (byte) 0);
        }
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
            int dst = prepareWrite(length);
            ByteBuffer m = root.mem;
            for (int i = 0; i < length; i++) {
                char c = text.charAt(i);
                m.put(dst + i, (byte) (c > 0xFF || (c > 0x7F && charset == StandardCharsets.US_ASCII) ? '?' : c));
            }
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
        ByteBuffer m = root.mem;
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
        Buffer slice = new Buffer(allocator, root, adjustment + index);
        slice.rc = rc;
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
        Buffer owner = rc;
        owner.retain();
        // Slice objects are lent by the thread cache that owns the parent's memory, when that is this thread's.
        PooledAllocator.Home h = root.home;
        Buffer slice = h == null ? null : h.takeSlice();
        if (slice == null) {
            slice = new Buffer(allocator, null, 0);
        }
        slice.sliceHome = h;
        slice.allocator = allocator;
        slice.root = root;
        slice.adjustment = adjustment + index;
        slice.rc = slice;
        slice.derivedParent = owner;
        slice.capacity = length;
        slice.maxCapacity = length;
        slice.readerIndex = 0;
        slice.writerIndex = length;
        REF_CNT.setRelease(slice, 1);
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
        return root.mem.slice(start, length);
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
        ByteBuffer source = root.mem;
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
        return root.mem.slice(a, length).equals(other.root.mem.slice(b, length));
    }

    @Override
    public int hashCode() {
        int hash = 1;
        ByteBuffer m = root.mem;
        for (int i = adjustment + readerIndex, end = adjustment + writerIndex; i < end; i++) {
            hash = 31 * hash + m.get(i);
        }
        return hash;
    }

    @Override
    public String toString() {
        return "Buffer(ridx: " + readerIndex + ", widx: " + writerIndex + ", cap: " + capacity + "/" + maxCapacity
                + ", refCnt: " + rc.refCnt + ")";
    }
}
