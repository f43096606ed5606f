package io.weft.channel;

import io.weft.internal.loop.LoopBoundFuture;
import io.weft.buffer.Buffer;
import io.weft.loop.EventLoop;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.PortUnreachableException;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A UDP socket, bound to a local port and optionally connected to one peer. Open one with
 * {@link io.weft.bootstrap.Udp} (or {@link #open}).
 *
 * <p><b>Reading.</b> Every received datagram enters the pipeline as a {@link Datagram} whose {@link Datagram#sender()}
 * is the peer. At most {@link ChannelOption#MAX_READS_PER_EVENT} datagrams are read per readiness event, then
 * channel-read-complete fires. Each datagram is received into a per-channel scratch area of
 * {@link ChannelOption#MAX_DATAGRAM_SIZE} + 1 bytes and copied into a pooled buffer of exactly its size. If the
 * scratch area fills past the maximum, the datagram was larger than allowed (the kernel would silently have cut it
 * off): it is dropped and a {@link DatagramTooLargeException} naming the sender and the limit is fired through
 * the pipeline. The channel stays open; other peers are unaffected.
 *
 * <p><b>Writing.</b> Write {@link Datagram}s with a recipient; on a connected channel plain {@link Buffer}s (and
 * datagrams without a recipient) go to the connected peer. Each datagram is one {@code send} system call. Writes are
 * queued until flushed; if the socket's send buffer is full the channel waits for {@code OP_WRITE}, and the same
 * high/low water marks as TCP flip {@link #isWritable()}. A datagram that cannot be sent (too large for the
 * network, an unreachable address) fails its own promise (or, without one, fires the exception) and the channel
 * goes on with the next one. {@link ChannelOption#WRITE_SPIN_COUNT} bounds the datagrams sent per turn. Empty
 * datagrams can be sent and received on unconnected channels; on a connected channel the JDK cannot send them, so
 * such a write fails.
 *
 * <p><b>Multicast.</b> {@link #joinGroup} and {@link #leaveGroup} use the JDK's {@link MembershipKey}s; set
 * {@link ChannelOption#IP_MULTICAST_IF}, {@link ChannelOption#IP_MULTICAST_TTL} and
 * {@link ChannelOption#IP_MULTICAST_LOOP} for sending. For IPv4 groups open the channel with
 * {@link java.net.StandardProtocolFamily#INET}.
 *
 * <p>See {@link Channel} for the thread rule: I/O and handler callbacks run on the channel's loop; the public
 * methods may be called from any thread.
 */
public final class UdpChannel extends ReadWriteChannel {

    private static final Logger log = LoggerFactory.getLogger(UdpChannel.class);
    private static final int MAX_UDP_PAYLOAD = 65_535;

    private final DatagramChannel socket;
    private final List<MembershipKey> memberships = new CopyOnWriteArrayList<>();
    private final SocketAddress requestedLocal;
    private final SocketAddress requestedRemote;
    private volatile InetSocketAddress local;
    private volatile InetSocketAddress remote;
    private volatile boolean bound;
    private int maxDatagramSize = ChannelOption.MAX_DATAGRAM_SIZE.defaultValue();
    private ByteBuffer scratch;

    private UdpChannel(EventLoop loop, DatagramChannel socket, SocketAddress local, SocketAddress remote) {
        super(loop);
        this.socket = socket;
        this.requestedLocal = local;
        this.requestedRemote = remote;
    }

    /**
     * Opens a UDP socket on {@code loop}, binds it to {@code local} and, if {@code remote} is not {@code null},
     * connects it to {@code remote}. {@code initializer} runs on the loop before the bind, so handlers see
     * channel-active.
     *
     * @param family  the protocol family of the socket, or {@code null} for the JDK's default (IPv6 where
     *                available); IPv4 multicast wants {@link java.net.StandardProtocolFamily#INET}
     * @param options socket and Weft options
     * @return a future completing with the bound channel, or failing with the bind/connect error
     */
    public static CompletableFuture<UdpChannel> open(EventLoop loop, SocketAddress local, SocketAddress remote,
            ProtocolFamily family, Map<ChannelOption<?>, Object> options, ChannelInitializer initializer) {
        CompletableFuture<UdpChannel> promise = new LoopBoundFuture<>(loop);
        DatagramChannel socket;
        try {
            socket = family == null ? DatagramChannel.open() : DatagramChannel.open(family);
        } catch (IOException | RuntimeException e) {
            promise.completeExceptionally(e);
            return promise;
        }
        UdpChannel channel = new UdpChannel(loop, socket, local, remote);
        if (!channel.configure(options, promise)) {
            return promise;
        }
        channel.expectStart(promise);
        channel.register(initializer);
        return promise;
    }

    @Override
    SelectableChannel javaChannel() {
        return socket;
    }

    @Override
    boolean wasActive() {
        return bound;
    }

    /** The bound local address, or {@code null} before the bind. */
    @Override
    public InetSocketAddress localAddress() {
        InetSocketAddress cached = local;
        return cached != null ? cached : boundAddress();
    }

    /** The connected peer, or {@code null} if the channel is not connected. */
    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    /** Whether the channel is connected to one peer (it then only exchanges datagrams with that peer). */
    public boolean isConnected() {
        return remote != null;
    }

    // ------------------------------------------------------------------ multicast

    /**
     * Joins the multicast {@code group} on {@code networkInterface} to receive its datagrams. Safe from any thread.
     *
     * @return the membership; {@link MembershipKey#drop()} leaves, {@link MembershipKey#block} filters sources
     * @throws IOException                   if the operating system refuses
     * @throws UnsupportedOperationException if the socket's protocol family cannot join groups of this family
     */
    public MembershipKey joinGroup(InetAddress group, NetworkInterface networkInterface) throws IOException {
        return track(socket.join(group, networkInterface));
    }

    /**
     * Joins the multicast {@code group} on {@code networkInterface} for datagrams from {@code source} only
     * (source-specific multicast). Safe from any thread.
     *
     * @throws IOException                   if the operating system refuses
     * @throws UnsupportedOperationException if the platform has no source-specific multicast
     */
    public MembershipKey joinGroup(InetAddress group, NetworkInterface networkInterface, InetAddress source)
            throws IOException {
        return track(socket.join(group, networkInterface, source));
    }

    private MembershipKey track(MembershipKey key) {
        if (!memberships.contains(key)) {
            memberships.add(key);
        }
        return key;
    }

    /**
     * Leaves the multicast {@code group} on {@code networkInterface} (every membership for it, source-specific ones
     * included). Safe from any thread.
     *
     * @return whether there was a membership to drop
     */
    public boolean leaveGroup(InetAddress group, NetworkInterface networkInterface) {
        boolean left = false;
        for (MembershipKey key : memberships) {
            if (key.group().equals(group) && key.networkInterface().equals(networkInterface)) {
                key.drop();
                memberships.remove(key);
                left = true;
            }
        }
        memberships.removeIf(key -> !key.isValid());
        return left;
    }

    /** The multicast memberships joined through this channel and still valid. */
    public List<MembershipKey> memberships() {
        return memberships.stream().filter(MembershipKey::isValid).toList();
    }

    // ------------------------------------------------------------------ registration

    @Override
    void validateOption(ChannelOption<?> option, Object value) {
        super.validateOption(option, value);
        if (option == ChannelOption.MAX_DATAGRAM_SIZE) {
            int size = (Integer) value;
            if (size <= 0 || size > MAX_UDP_PAYLOAD) {
                throw new IllegalArgumentException(
                        option + " must be between 1 and " + MAX_UDP_PAYLOAD + ", was " + size);
            }
        }
    }

    @Override
    void optionChanged(ChannelOption<?> option, Object value) {
        if (option == ChannelOption.MAX_DATAGRAM_SIZE) {
            int size = (Integer) value;
            maxDatagramSize = size;
            if (scratch != null && scratch.capacity() < size + 1) {
                scratch = ByteBuffer.allocateDirect(size + 1);
            }
        }
    }

    @Override
    void afterRegistration() {
        CompletableFuture<UdpChannel> promise = takeStartPromise();
        try {
            socket.bind(requestedLocal);
            if (requestedRemote != null) {
                socket.connect(requestedRemote);
                remote = (InetSocketAddress) socket.getRemoteAddress();
            }
            local = (InetSocketAddress) socket.getLocalAddress();
        } catch (IOException | RuntimeException e) {
            closeNow(null);
            if (promise != null) {
                promise.completeExceptionally(e);
            }
            return;
        }
        scratch = ByteBuffer.allocateDirect(maxDatagramSize + 1);
        bound = true;
        if (autoRead) {
            setInterest(SelectionKey.OP_READ, true);
        }
        pipeline.fireChannelActive();
        if (promise != null) {
            promise.complete(this);
        }
    }

    @Override
    void beforeClose() {
        memberships.clear();
    }

    // ------------------------------------------------------------------ reading

    @Override
    int readOne() throws IOException {
        ByteBuffer area = scratch;
        area.clear().limit(maxDatagramSize + 1);
        InetSocketAddress sender;
        try {
            sender = (InetSocketAddress) socket.receive(area);
        } catch (PortUnreachableException e) {
            // A connected channel learns through ICMP that the peer is not listening: report it, keep the socket.
            pipeline.fireExceptionCaught(e);
            return READ_NONE;
        }
        if (sender == null) {
            return READ_NONE;
        }
        int n = area.position();
        if (n > maxDatagramSize) {
            log.debug("{}: dropped a datagram from {} larger than {} bytes", this, sender, maxDatagramSize);
            pipeline.fireExceptionCaught(new DatagramTooLargeException(sender, maxDatagramSize));
            return READ_MORE;
        }
        area.flip();
        Buffer content = allocator.allocate(n);
        try {
            content.writeBytes(area);
        } catch (Throwable t) {
            content.release();
            throw t;
        }
        pipeline.fireChannelRead(new Datagram(content, local, sender));
        return READ_MORE;
    }

    // ------------------------------------------------------------------ writing

    @Override
    long sizeOf(Object msg, CompletableFuture<Void> promise) {
        if (msg instanceof Datagram datagram) {
            if (datagram.recipient() == null && remote == null) {
                rejectWrite(msg, promise, new UnsupportedMessageTypeException(msg,
                        "a Datagram with a recipient (this UdpChannel is not connected)"));
                return -1;
            }
            return datagram.content().readableBytes();
        }
        if (msg instanceof Buffer buffer) {
            if (remote == null) {
                rejectWrite(msg, promise, new UnsupportedMessageTypeException(msg,
                        "a Datagram with a recipient (a plain Buffer needs a connected UdpChannel)"));
                return -1;
            }
            return buffer.readableBytes();
        }
        rejectWrite(msg, promise, new UnsupportedMessageTypeException(msg, "Datagram or Buffer"));
        return -1;
    }

    /** Sends the first flushed datagram; one that cannot go fails alone and the channel goes on with the next. */
    @Override
    boolean writeHead() throws IOException {
        Object current = queue.current();
        Buffer content;
        InetSocketAddress recipient;
        if (current instanceof Datagram datagram) {
            content = datagram.content();
            recipient = datagram.recipient();
        } else {
            content = (Buffer) current;
            recipient = null;
        }
        int size = content.readableBytes();
        if (size == 0 && remote != null) {
            // The JDK's connected write path returns 0 for an empty buffer without sending anything:
            // fail the write rather than report a datagram as sent that never was.
            failHead(0, new IOException(
                    "an empty datagram cannot be sent on a connected UdpChannel (JDK limitation)"));
            return true;
        }
        int sent;
        try {
            ByteBuffer view = content.internalNioBuffer(content.readerIndex(), size);
            sent = recipient == null ? socket.write(view) : socket.send(view, recipient);
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // This datagram cannot go (too large, unreachable, wrong peer): fail it, go on with the next.
            log.debug("{}: sending {} bytes to {} failed: {}", this, size,
                    recipient == null ? remote : recipient, e.toString());
            failHead(size, e);
            return true;
        }
        if (sent == 0 && size > 0) {
            // The send buffer is full: wait for OP_WRITE.
            return false;
        }
        queue.removeSent(size);
        return true;
    }

    private void failHead(int size, Exception error) {
        if (!queue.removeFailed(size, error)) {
            fireExceptionCaught(error);
        }
    }
}
