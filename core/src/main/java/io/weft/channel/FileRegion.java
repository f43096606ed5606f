package io.weft.channel;

import io.weft.buffer.IllegalReferenceCountException;
import io.weft.buffer.ReferenceCounted;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A range of a file written to a channel with {@link FileChannel#transferTo}, so the bytes go from the page cache
 * to the socket without passing through the JVM heap. Write it like a buffer: {@code channel.writeAndFlush(region)}.
 * Releasing the last reference closes the file.
 */
public final class FileRegion implements ReferenceCounted {

    private final FileChannel file;
    private final long position;
    private final long count;
    private long transferred;
    private final AtomicInteger refCnt = new AtomicInteger(1);

    /** A region of {@code count} bytes of {@code file} starting at {@code position}; the region owns the file. */
    public FileRegion(FileChannel file, long position, long count) {
        if (position < 0 || count < 0) {
            throw new IllegalArgumentException("position " + position + " and count " + count + " must be >= 0");
        }
        this.file = file;
        this.position = position;
        this.count = count;
    }

    /** A region covering the whole file at {@code path}. */
    public static FileRegion of(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new FileRegion(channel, 0, channel.size());
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Start of the region in the file. */
    public long position() {
        return position;
    }

    /** Length of the region. */
    public long count() {
        return count;
    }

    /** Bytes already written. */
    public long transferred() {
        return transferred;
    }

    /** Bytes still to write. */
    public long remaining() {
        return count - transferred;
    }

    /**
     * Writes as much of the rest as {@code target} takes now.
     *
     * @return bytes written by this call
     */
    public long transferTo(WritableByteChannel target) throws IOException {
        long remaining = count - transferred;
        if (remaining == 0) {
            return 0;
        }
        long written = file.transferTo(position + transferred, remaining, target);
        if (written == 0 && file.size() < position + count) {
            throw new IOException("file shrank below the region: size " + file.size() + " < " + (position + count));
        }
        transferred += written;
        return written;
    }

    @Override
    public int refCnt() {
        return refCnt.get();
    }

    @Override
    public FileRegion retain() {
        return retain(1);
    }

    @Override
    public FileRegion retain(int increment) {
        int current;
        do {
            current = refCnt.get();
            if (current <= 0) {
                throw new IllegalReferenceCountException(current, increment);
            }
        } while (!refCnt.compareAndSet(current, current + increment));
        return this;
    }

    @Override
    public boolean release() {
        return release(1);
    }

    @Override
    public boolean release(int decrement) {
        int current;
        do {
            current = refCnt.get();
            if (current < decrement) {
                throw new IllegalReferenceCountException(current, -decrement);
            }
        } while (!refCnt.compareAndSet(current, current - decrement));
        if (current == decrement) {
            try {
                file.close();
            } catch (IOException ignored) {
                // Nothing useful to do: the region is gone either way.
            }
            return true;
        }
        return false;
    }

    @Override
    public FileRegion touch(Object hint) {
        return this;
    }

    @Override
    public String toString() {
        return "FileRegion(position: " + position + ", count: " + count + ", transferred: " + transferred + ")";
    }
}
