package io.weft.codec.fragment;

import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.Datagram;
import io.weft.codec.EncoderException;
import io.weft.loop.ScheduledTask;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.net.InetSocketAddress;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * Fragmentation and reassembly of messages over UDP. Outbound, each message ({@link Datagram}, or a
 * {@link Buffer} on a connected channel) becomes datagrams of at most {@link Builder#maxDatagramSize} bytes
 * (default 1,200, which fits the IPv6 minimum MTU); inbound, the fragments of each message are put back together
 * and passed on as one {@link Datagram} with the original sender. Add it to a UDP channel's pipeline, before the
 * application:
 *
 * <pre>{@code
 * Udp.builder().handler(ch -> ch.pipeline()
 *         .addLast("fragments", FragmentationCodec.builder().build())
 *         .addLast("app", new MyHandler()))
 *     .bind("127.0.0.1", 0);
 * }</pre>
 *
 * <p><b>Wire format</b> (every datagram, {@value #HEADER_LENGTH}-byte header, big-endian): version (1, value 1),
 * flags (1, zero), message id (4), fragment index (2), fragment count (2, 1-65,535), message length (4), offset of
 * this fragment in the message (4), CRC32C of the header's first 18 bytes and the payload (4); then the payload.
 *
 * <p><b>Reassembly</b> is keyed by sender and message id. Fragments may arrive in any order. Duplicates are
 * dropped, also those arriving after their message was delivered, as long as it is among the sender's last 128
 * messages (for at most {@link Builder#maxTrackedPeers} peers, default 1,024); a sender starts its ids at a random
 * value, so a restarted sender is not taken for a duplicate. Memory is bounded: a message being reassembled reserves its full length when its first fragment arrives
 * and counts against {@link Builder#maxBufferedBytesPerPeer} (default 4 MiB) and {@link Builder#maxBufferedBytes}
 * (default 32 MiB, all peers of the channel together), and a peer has at most
 * {@link Builder#maxPartialMessagesPerPeer} (default 64) messages in progress. When a bound would be exceeded the
 * oldest incomplete messages are dropped first (the peer's own, then anyone's); a message that could never fit
 * ({@link Builder#maxMessageSize}, default 1 MiB) is malformed. An incomplete message is dropped when its
 * {@link Builder#reassemblyTimeout} (default 5 s, a loop timer) expires. Dropped messages are counted
 * ({@link #messagesDropped()}); UDP gives no retransmission, so a message with a lost fragment is lost.
 *
 * <p><b>Errors:</b> a malformed datagram is dropped and a {@link MalformedFragmentException} is fired down the
 * pipeline (handle it there: the channel stays open); a message longer than the maximum fails its write promise
 * with an {@link EncoderException}.
 *
 * <p>Runs on the channel's loop; one instance per channel. Counters may be read from any thread.
 */
public final class FragmentationCodec implements Handler {

    /** Bytes of header in every datagram. */
    public static final int HEADER_LENGTH = 22;
    private static final int VERSION = 1;
    private static final int CHECKED_HEADER = 18;

    private final int maxDatagramSize;
    private final int maxPayload;
    private final int maxMessageSize;
    private final long maxBufferedPerPeer;
    private final long maxBuffered;
    private final int maxPartialsPerPeer;
    private final long timeoutNanos;

    private final Map<InetSocketAddress, Peer> peers = new HashMap<>();
    /** Ids of the messages each recent peer completed last, to drop late duplicates; bounded, least recent out. */
    private final LinkedHashMap<InetSocketAddress, CompletedIds> completed;
    /** All partial messages, oldest first, for eviction across peers. */
    private final LinkedHashMap<Partial, Boolean> allPartials = new LinkedHashMap<>();
    private final CRC32C crc = new CRC32C();
    private HandlerContext ctx;
    private int nextMessageId;
    private long buffered;

    private volatile long messagesSent;
    private volatile long datagramsSent;
    private volatile long messagesReassembled;
    private volatile long messagesDropped;
    private volatile long duplicates;
    private volatile long malformed;
    private volatile long bufferedBytes;
    private volatile long peakBufferedBytes;

    private FragmentationCodec(Builder b) {
        this.maxDatagramSize = b.maxDatagramSize;
        this.maxPayload = b.maxDatagramSize - HEADER_LENGTH;
        this.maxMessageSize = b.maxMessageSize;
        this.maxBufferedPerPeer = b.maxBufferedPerPeer;
        this.maxBuffered = b.maxBuffered;
        this.maxPartialsPerPeer = b.maxPartialsPerPeer;
        this.timeoutNanos = b.timeoutNanos;
        int maxPeers = b.maxTrackedPeers;
        this.completed = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<InetSocketAddress, CompletedIds> eldest) {
                return size() > maxPeers;
            }
        };
        this.nextMessageId = RANDOM.nextInt(); // a restarted sender does not reuse its predecessor's recent ids
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ outbound

    @Override
    public void handlerAdded(HandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) {
        Buffer content;
        InetSocketAddress recipient;
        if (msg instanceof Datagram d) {
            content = d.content();
            recipient = d.recipient();
        } else if (msg instanceof Buffer b) {
            content = b;
            recipient = null;
        } else {
            ctx.write(msg, promise);
            return;
        }
        try {
            int length = content.readableBytes();
            if (length > maxMessageSize) {
                throw new EncoderException("message of " + length + " bytes exceeds the limit of " + maxMessageSize);
            }
            int count = Math.max(1, (length + maxPayload - 1) / maxPayload);
            int id = nextMessageId++;
            int at = content.readerIndex();
            for (int i = 0; i < count; i++) {
                int offset = i * maxPayload;
                int n = Math.min(maxPayload, length - offset);
                Buffer f = ctx.alloc().allocate(HEADER_LENGTH + n);
                f.writeByte(VERSION).writeByte(0).writeInt(id).writeShort(i).writeShort(count)
                        .writeInt(length).writeInt(offset);
                crc.reset();
                crc.update(f.internalNioBuffer(0, CHECKED_HEADER));
                crc.update(content.internalNioBuffer(at + offset, n));
                f.writeInt((int) crc.getValue());
                f.writeBytes(content, at + offset, n);
                Object out = recipient == null && !(msg instanceof Datagram) ? f : new Datagram(f, recipient);
                // Only the last fragment carries the caller's promise: it completes when the whole message is out.
                ctx.write(out, i == count - 1 ? promise : null);
            }
            messagesSent++;
            datagramsSent += count;
        } catch (EncoderException e) {
            if (promise != null) {
                promise.completeExceptionally(e);
            }
        } finally {
            ReferenceCounted.safeRelease(msg);
        }
    }

    // ------------------------------------------------------------------ inbound

    @Override
    public void channelRead(HandlerContext ctx, Object msg) {
        if (!(msg instanceof Datagram d)) {
            ctx.fireChannelRead(msg);
            return;
        }
        Buffer whole;
        InetSocketAddress sender = d.sender();
        InetSocketAddress recipient = d.recipient();
        try {
            whole = accept(sender, d.content());
        } catch (MalformedFragmentException e) {
            malformed++;
            d.release();
            ctx.fireExceptionCaught(e);
            return;
        }
        d.release();
        if (whole != null) {
            messagesReassembled++;
            ctx.fireChannelRead(new Datagram(whole, recipient, sender));
        }
    }

    /** Takes in one fragment; returns the whole message if it completed one. Does not release {@code f}. */
    private Buffer accept(InetSocketAddress sender, Buffer f) {
        int len = f.readableBytes();
        if (len < HEADER_LENGTH) {
            throw new MalformedFragmentException(sender, len + " bytes, shorter than the " + HEADER_LENGTH
                    + "-byte header");
        }
        int at = f.readerIndex();
        int version = f.getUnsignedByte(at);
        if (version != VERSION || f.getUnsignedByte(at + 1) != 0) {
            throw new MalformedFragmentException(sender, "version " + version + " / flags "
                    + f.getUnsignedByte(at + 1) + ", expected " + VERSION + " / 0");
        }
        int id = f.getInt(at + 2);
        int index = f.getUnsignedShort(at + 6);
        int count = f.getUnsignedShort(at + 8);
        long total = f.getUnsignedInt(at + 10);
        long offset = f.getUnsignedInt(at + 14);
        int payload = len - HEADER_LENGTH;
        crc.reset();
        crc.update(f.internalNioBuffer(at, CHECKED_HEADER));
        crc.update(f.internalNioBuffer(at + HEADER_LENGTH, payload));
        if ((int) crc.getValue() != f.getInt(at + CHECKED_HEADER)) {
            throw new MalformedFragmentException(sender, "checksum mismatch");
        }
        if (count == 0 || index >= count) {
            throw new MalformedFragmentException(sender, "fragment index " + index + " of " + count);
        }
        if (total > maxMessageSize) {
            throw new MalformedFragmentException(sender, "message length " + total + " exceeds the limit of "
                    + maxMessageSize);
        }
        if (offset + payload > total || (payload == 0 && total > 0) || count > Math.max(1, total)) {
            throw new MalformedFragmentException(sender, "fragment at offset " + offset + " with " + payload
                    + " bytes does not fit a message of " + total + " bytes in " + count + " fragments");
        }
        if (count == 1 && (offset != 0 || payload != total)) {
            throw new MalformedFragmentException(sender, "single fragment of " + payload
                    + " bytes for a message of " + total);
        }
        CompletedIds done = completed.get(sender);
        if (done != null && done.contains(id)) {
            duplicates++;
            return null;
        }
        if (count == 1) {
            markCompleted(sender, done, id);
            return f.retainedSlice(at + HEADER_LENGTH, payload);
        }
        Peer peer = peers.get(sender);
        Partial p = peer == null ? null : peer.partials.get(id);
        if (p == null) {
            p = start(sender, peer, id, count, (int) total);
        } else if (p.count != count || p.total != total) {
            throw new MalformedFragmentException(sender, "fragment of message " + id + " says " + count
                    + " fragments / " + total + " bytes, earlier ones " + p.count + " / " + p.total);
        }
        if (p.received.get(index)) {
            duplicates++;
            return null;
        }
        p.received.set(index);
        p.bytesReceived += payload;
        p.content.setBytes((int) offset, f, at + HEADER_LENGTH, payload);
        if (p.received.cardinality() < count) {
            return null;
        }
        remove(p);
        if (p.bytesReceived != total) {
            p.content.release();
            throw new MalformedFragmentException(sender, "fragments of message " + id + " carried "
                    + p.bytesReceived + " bytes for a message of " + total);
        }
        markCompleted(sender, done, id);
        Buffer whole = p.content;
        whole.writerIndex(p.total);
        return whole;
    }

    private void markCompleted(InetSocketAddress sender, CompletedIds done, int id) {
        if (done == null) {
            done = new CompletedIds();
            completed.put(sender, done);
        }
        done.add(id);
    }

    private Partial start(InetSocketAddress sender, Peer peer, int id, int count, int total) {
        long charge = total + count / 8 + 64;
        if (charge > maxBufferedPerPeer || charge > maxBuffered) {
            throw new MalformedFragmentException(sender, "message of " + total
                    + " bytes can never fit the reassembly bounds");
        }
        if (peer == null) {
            peer = new Peer();
            peers.put(sender, peer);
        }
        // Make room: the peer's oldest messages first, then anyone's.
        while (peer.partials.size() >= maxPartialsPerPeer || peer.bytes + charge > maxBufferedPerPeer) {
            drop(peer.partials.values().iterator().next());
        }
        while (buffered + charge > maxBuffered) {
            drop(allPartials.keySet().iterator().next());
        }
        if (!peers.containsKey(sender)) {
            peers.put(sender, peer);
        }
        Partial p = new Partial(sender, peer, id, count, total, charge);
        p.content = ctx.alloc().allocate(Math.max(1, total));
        peer.partials.put(id, p);
        peer.bytes += charge;
        allPartials.put(p, Boolean.TRUE);
        buffered += charge;
        bufferedBytes = buffered;
        if (buffered > peakBufferedBytes) {
            peakBufferedBytes = buffered;
        }
        p.timer = ctx.loop().schedule(() -> {
            if (p.timer != null) {
                drop(p);
            }
        }, timeoutNanos, TimeUnit.NANOSECONDS);
        return p;
    }

    private void drop(Partial p) {
        remove(p);
        p.content.release();
        messagesDropped++;
    }

    private void remove(Partial p) {
        if (p.timer != null) {
            p.timer.cancel();
            p.timer = null;
        }
        p.peer.partials.remove(p.id);
        p.peer.bytes -= p.charge;
        if (p.peer.partials.isEmpty()) {
            peers.remove(p.sender);
        }
        allPartials.remove(p);
        buffered -= p.charge;
        bufferedBytes = buffered;
    }

    @Override
    public void handlerRemoved(HandlerContext ctx) {
        for (Iterator<Partial> it = allPartials.keySet().iterator(); it.hasNext(); ) {
            Partial p = it.next();
            it.remove();
            if (p.timer != null) {
                p.timer.cancel();
                p.timer = null;
            }
            p.content.release();
        }
        peers.clear();
        completed.clear();
        buffered = 0;
        bufferedBytes = 0;
    }

    // ------------------------------------------------------------------ counters

    /** Messages written (each as one or more datagrams). */
    public long messagesSent() {
        return messagesSent;
    }

    /** Datagrams written. */
    public long datagramsSent() {
        return datagramsSent;
    }

    /** Messages reassembled and passed on (single-fragment ones included). */
    public long messagesReassembled() {
        return messagesReassembled;
    }

    /** Incomplete messages dropped: timed out, or evicted to keep within the memory bounds. */
    public long messagesDropped() {
        return messagesDropped;
    }

    /** Duplicate fragments dropped. */
    public long duplicateFragments() {
        return duplicates;
    }

    /** Malformed datagrams dropped. */
    public long malformedDatagrams() {
        return malformed;
    }

    /** Bytes reserved by incomplete messages now. */
    public long bufferedBytes() {
        return bufferedBytes;
    }

    /** The most bytes ever reserved by incomplete messages at once. */
    public long peakBufferedBytes() {
        return peakBufferedBytes;
    }

    /** The largest datagram this codec writes. */
    public int maxDatagramSize() {
        return maxDatagramSize;
    }

    /**
     * A direct-mapped set of recently completed message ids: exact for the last {@link #SIZE} consecutive ids of a
     * sender, older ones forgotten as newer ones take their slots.
     */
    private static final class CompletedIds {
        static final int SIZE = 128;
        final int[] ids = new int[SIZE];
        final boolean[] used = new boolean[SIZE];

        boolean contains(int id) {
            int slot = id & (SIZE - 1);
            return used[slot] && ids[slot] == id;
        }

        void add(int id) {
            int slot = id & (SIZE - 1);
            ids[slot] = id;
            used[slot] = true;
        }
    }

    private static final class Peer {
        final LinkedHashMap<Integer, Partial> partials = new LinkedHashMap<>();
        long bytes;
    }

    private static final class Partial {
        final InetSocketAddress sender;
        final Peer peer;
        final int id;
        final int count;
        final int total;
        final long charge;
        final BitSet received;
        Buffer content;
        long bytesReceived;
        ScheduledTask timer;

        Partial(InetSocketAddress sender, Peer peer, int id, int count, int total, long charge) {
            this.sender = sender;
            this.peer = peer;
            this.id = id;
            this.count = count;
            this.total = total;
            this.charge = charge;
            this.received = new BitSet(count);
        }
    }

    /** Configures a {@link FragmentationCodec}; {@link #build()} makes one per channel. */
    public static final class Builder {
        private int maxDatagramSize = 1200;
        private int maxMessageSize = 1 << 20;
        private long maxBufferedPerPeer = 4L << 20;
        private long maxBuffered = 32L << 20;
        private int maxPartialsPerPeer = 64;
        private long timeoutNanos = TimeUnit.SECONDS.toNanos(5);
        private int maxTrackedPeers = 1024;

        private Builder() {
        }

        /** Largest datagram written, header included; default 1,200 (at least {@value #MIN}). */
        public Builder maxDatagramSize(int bytes) {
            if (bytes < MIN || bytes > 65_507) {
                throw new IllegalArgumentException("maxDatagramSize must be in " + MIN + "..65507, was " + bytes);
            }
            this.maxDatagramSize = bytes;
            return this;
        }

        /** Smallest allowed {@link #maxDatagramSize}. */
        public static final int MIN = HEADER_LENGTH + 1;

        /** Longest message; default 1 MiB. Must fit 65,535 fragments. */
        public Builder maxMessageSize(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxMessageSize must not be negative, was " + bytes);
            }
            this.maxMessageSize = bytes;
            return this;
        }

        /** Bytes reserved by incomplete messages of one peer; default 4 MiB. */
        public Builder maxBufferedBytesPerPeer(long bytes) {
            this.maxBufferedPerPeer = positive(bytes, "maxBufferedBytesPerPeer");
            return this;
        }

        /** Bytes reserved by incomplete messages of all peers; default 32 MiB. */
        public Builder maxBufferedBytes(long bytes) {
            this.maxBuffered = positive(bytes, "maxBufferedBytes");
            return this;
        }

        /** Incomplete messages per peer; default 64. */
        public Builder maxPartialMessagesPerPeer(int count) {
            this.maxPartialsPerPeer = (int) positive(count, "maxPartialMessagesPerPeer");
            return this;
        }

        /**
         * Peers whose recently completed message ids are remembered, to drop duplicates that arrive after their
         * message was delivered (the last 128 ids of each); default 1,024, least recently heard from forgotten first.
         */
        public Builder maxTrackedPeers(int count) {
            this.maxTrackedPeers = (int) positive(count, "maxTrackedPeers");
            return this;
        }

        /** How long a message may take to complete; default 5 s. */
        public Builder reassemblyTimeout(long timeout, TimeUnit unit) {
            this.timeoutNanos = positive(unit.toNanos(timeout), "reassemblyTimeout");
            return this;
        }

        private static long positive(long v, String what) {
            if (v <= 0) {
                throw new IllegalArgumentException(what + " must be positive, was " + v);
            }
            return v;
        }

        /**
         * A codec for one channel.
         *
         * @throws IllegalArgumentException if the largest message would need more than 65,535 fragments
         */
        public FragmentationCodec build() {
            long fragments = ((long) maxMessageSize + maxDatagramSize - HEADER_LENGTH - 1)
                    / (maxDatagramSize - HEADER_LENGTH);
            if (fragments > 65_535) {
                throw new IllegalArgumentException("a message of " + maxMessageSize + " bytes would need "
                        + fragments + " fragments of " + (maxDatagramSize - HEADER_LENGTH) + " bytes, over 65535");
            }
            return new FragmentationCodec(this);
        }
    }
}
