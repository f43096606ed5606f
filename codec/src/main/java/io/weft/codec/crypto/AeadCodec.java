package io.weft.codec.crypto;

import io.weft.buffer.Buffer;
import io.weft.buffer.ReferenceCounted;
import io.weft.codec.EncoderException;
import io.weft.loop.ScheduledTask;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import io.weft.pipeline.PendingShutdown;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticated encryption of every frame of a connection with a pre-shared secret, for links where TLS is not
 * wanted (between one's own services, no certificates to manage). Each {@link Buffer} written becomes one sealed
 * frame and each sealed frame read becomes one {@link Buffer}; it sits on top of a framing stage, which carries
 * the frame boundaries:
 *
 * <pre>{@code
 * AeadCodec.Builder aead = AeadCodec.builder(secret).algorithm(AeadAlgorithm.CHACHA20_POLY1305);
 * ch.pipeline().addLast(new LengthFieldFrameDecoder(aead.maxSealedFrameLength() + 4, 4))
 *              .addLast(new LengthFieldPrepender(4))
 *              .addLast("aead", aead.build())      // one per connection
 *              .addLast("app", new MyHandler());
 * }</pre>
 *
 * <p><b>Key exchange.</b> When the channel becomes active each side sends a hello: magic {@code WFTA}, version 1,
 * the algorithm's id and 32 fresh random bytes (its salt). From the pre-shared secret and both salts (lower one
 * first) each side derives, with HKDF-SHA256 ({@link Hkdf}), one key and one 96-bit IV per direction; the direction
 * is named by whose salt is lower, so the two directions never share a key and both peers agree without roles. A
 * reflected hello (the peer's salt equal to ours) is refused. Each side then sends an empty sealed frame, number
 * 0, as key confirmation; a peer with another secret fails here with {@link AeadHandshakeException}. Writes made
 * before that are queued (at most {@link Builder#maxPendingBytes}, default 1 MiB) and sent once confirmed; the
 * exchange must finish within {@link Builder#handshakeTimeout} (default 10 s). {@link #handshakeFuture()}
 * completes when it has.
 *
 * <p><b>Frames.</b> {@code sequence (8 bytes, big-endian) | ciphertext | tag (16 bytes)}. Frames of a direction
 * are numbered 0, 1, 2, ...; the nonce is the direction's IV XOR the number, so no nonce repeats under a key, and
 * the number is authenticated as associated data. A frame whose number is not the next one due is refused with
 * {@link FrameSequenceException} (replayed or reordered), one whose tag does not verify (a flipped bit, a truncated
 * frame) with {@link FrameAuthenticationException}. After {@link Builder#maxFramesPerDirection} frames (default
 * 2<sup>32</sup>) a direction is exhausted and the connection closes with {@link NonceExhaustedException} before a
 * counter could wrap; reconnect for fresh keys. Every such error is fired down the pipeline and closes the
 * connection; buffers are released.
 *
 * <p><b>What it does not do</b> (prefer TLS when you need any of it): no forward secrecy (a leaked secret decrypts
 * recorded traffic), no peer identities beyond "knows the secret", no re-keying, no negotiation, and no protection
 * of the end of the stream: a peer cannot tell whether the connection was cut after a frame boundary. The length
 * of each message is visible. See {@code docs/operations.md}.
 *
 * <p>Runs on the channel's loop; one instance per connection (the {@link Builder} may be shared).
 */
public final class AeadCodec implements Handler {

    private static final Logger log = LoggerFactory.getLogger(AeadCodec.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] MAGIC = {'W', 'F', 'T', 'A'};
    private static final int VERSION = 1;
    private static final int SALT_LENGTH = 32;
    static final int HELLO_LENGTH = MAGIC.length + 2 + SALT_LENGTH;
    /** Bytes a sealed frame adds to its plaintext: the sequence number and the tag. */
    public static final int OVERHEAD = 8 + AeadAlgorithm.TAG_LENGTH;

    private enum State { NEW, HELLO_SENT, CONFIRMING, READY, FAILED }

    private final Builder config;
    private final AeadAlgorithm algorithm;
    private final CompletableFuture<Void> handshake = new CompletableFuture<>();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final byte[] nonce = new byte[AeadAlgorithm.NONCE_LENGTH];
    private final byte[] aad = new byte[8];
    private HandlerContext ctx;
    private State state = State.NEW;
    private byte[] salt;
    private Cipher sendCipher;
    private Cipher receiveCipher;
    private SecretKeySpec sendKey;
    private SecretKeySpec receiveKey;
    private byte[] sendIv;
    private byte[] receiveIv;
    private long sendSeq;
    private long receiveSeq;
    private long pendingBytes;
    /** A half-close asked for during the key exchange: passed on once it is done and the queued writes sent. */
    private final PendingShutdown shutdown = new PendingShutdown();
    private boolean flushRequested;
    private ScheduledTask timeout;

    private record Pending(Buffer msg, CompletableFuture<Void> promise) {
    }

    private AeadCodec(Builder config) {
        this.config = config;
        this.algorithm = config.algorithm;
    }

    /**
     * A builder keyed with {@code preSharedSecret} (at least 16 bytes of high-entropy secret; copied). Passwords are
     * not suitable: derive a key from one with a slow KDF first.
     */
    public static Builder builder(byte[] preSharedSecret) {
        return new Builder(preSharedSecret);
    }

    /** Completes when the key exchange has finished; fails with the reason the connection failed. */
    public CompletableFuture<Void> handshakeFuture() {
        return handshake;
    }

    /** The algorithm in use. */
    public AeadAlgorithm algorithm() {
        return algorithm;
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void handlerAdded(HandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            start();
        }
    }

    @Override
    public void channelActive(HandlerContext ctx) {
        start();
        ctx.fireChannelActive();
    }

    private void start() {
        if (state != State.NEW) {
            return;
        }
        state = State.HELLO_SENT;
        salt = new byte[SALT_LENGTH];
        RANDOM.nextBytes(salt);
        Buffer hello = ctx.alloc().allocate(HELLO_LENGTH);
        hello.writeBytes(MAGIC).writeByte(VERSION).writeByte(algorithm.id()).writeBytes(salt);
        ctx.writeAndFlush(hello);
        long millis = config.handshakeTimeoutMillis;
        timeout = ctx.loop().schedule(() -> {
            if (state == State.HELLO_SENT || state == State.CONFIRMING) {
                fail(new AeadHandshakeException("key exchange did not finish within " + millis + " ms"));
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelInactive(HandlerContext ctx) {
        cancelTimeout();
        if (!handshake.isDone()) {
            handshake.completeExceptionally(new ClosedChannelException());
        }
        failPending(new ClosedChannelException());
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(HandlerContext ctx) {
        cancelTimeout();
        failPending(new ClosedChannelException());
    }

    // ------------------------------------------------------------------ inbound

    @Override
    public void channelRead(HandlerContext ctx, Object msg) {
        if (!(msg instanceof Buffer frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        Buffer plain = null;
        try {
            switch (state) {
                case NEW, HELLO_SENT -> onHello(frame);
                case CONFIRMING -> onConfirmation(frame);
                case READY -> plain = open(frame);
                default -> {
                    // FAILED: the connection is closing; drop what still arrives.
                }
            }
        } catch (FrameCryptoException e) {
            fail(e);
        } finally {
            frame.release();
        }
        if (plain != null) {
            ctx.fireChannelRead(plain);
        }
    }

    private void onHello(Buffer frame) {
        if (state == State.NEW) {
            start();
        }
        int len = frame.readableBytes();
        int at = frame.readerIndex();
        if (len != HELLO_LENGTH) {
            throw new AeadHandshakeException("hello of " + len + " bytes, expected " + HELLO_LENGTH);
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (frame.getByte(at + i) != MAGIC[i]) {
                throw new AeadHandshakeException("not an AEAD hello: bad magic");
            }
        }
        int version = frame.getUnsignedByte(at + 4);
        if (version != VERSION) {
            throw new AeadHandshakeException("unsupported version " + version + ", this side speaks " + VERSION);
        }
        int id = frame.getUnsignedByte(at + 5);
        if (id != algorithm.id()) {
            AeadAlgorithm theirs = AeadAlgorithm.byId(id);
            throw new AeadHandshakeException("peer uses " + (theirs == null ? "algorithm #" + id : theirs)
                    + ", this side " + algorithm);
        }
        byte[] peerSalt = new byte[SALT_LENGTH];
        frame.getBytes(at + 6, peerSalt, 0, SALT_LENGTH);
        int order = Arrays.compareUnsigned(salt, peerSalt);
        if (order == 0) {
            throw new AeadHandshakeException("the peer's salt equals ours: a reflected hello");
        }
        deriveKeys(order < 0, peerSalt);
        state = State.CONFIRMING;
        Buffer empty = ctx.alloc().allocate(0);
        try {
            ctx.writeAndFlush(seal(empty));
        } finally {
            empty.release();
        }
    }

    private void deriveKeys(boolean oursIsLower, byte[] peerSalt) {
        byte[] both = new byte[2 * SALT_LENGTH];
        System.arraycopy(oursIsLower ? salt : peerSalt, 0, both, 0, SALT_LENGTH);
        System.arraycopy(oursIsLower ? peerSalt : salt, 0, both, SALT_LENGTH, SALT_LENGTH);
        byte[] prk = Hkdf.extract(both, config.secret);
        String up = oursIsLower ? "low-to-high" : "high-to-low";
        String down = oursIsLower ? "high-to-low" : "low-to-high";
        byte[] sendKeyBytes = Hkdf.expand(prk, info(up, "key"), algorithm.keyLength());
        byte[] receiveKeyBytes = Hkdf.expand(prk, info(down, "key"), algorithm.keyLength());
        sendIv = Hkdf.expand(prk, info(up, "iv"), AeadAlgorithm.NONCE_LENGTH);
        receiveIv = Hkdf.expand(prk, info(down, "iv"), AeadAlgorithm.NONCE_LENGTH);
        sendKey = algorithm.key(sendKeyBytes);
        receiveKey = algorithm.key(receiveKeyBytes);
        Arrays.fill(prk, (byte) 0);
        Arrays.fill(sendKeyBytes, (byte) 0);
        Arrays.fill(receiveKeyBytes, (byte) 0);
        sendCipher = algorithm.newCipher();
        receiveCipher = algorithm.newCipher();
    }

    private byte[] info(String direction, String what) {
        return ("weft-aead v1 " + algorithm + " " + direction + " " + what).getBytes(StandardCharsets.US_ASCII);
    }

    private void onConfirmation(Buffer frame) {
        Buffer plain;
        try {
            plain = open(frame);
        } catch (FrameAuthenticationException e) {
            throw new AeadHandshakeException(
                    "key confirmation failed: the peers' pre-shared secrets differ, or the hello was altered", e);
        }
        int len = plain.readableBytes();
        plain.release();
        if (len != 0) {
            throw new AeadHandshakeException("key confirmation carried " + len + " bytes, expected none");
        }
        state = State.READY;
        cancelTimeout();
        handshake.complete(null);
        boolean wrote = !pending.isEmpty();
        while (!pending.isEmpty()) {
            Pending p = pending.poll();
            pendingBytes -= p.msg().readableBytes();
            sealAndWrite(p.msg(), p.promise());
            if (state != State.READY) {
                return;
            }
        }
        if (wrote || flushRequested) {
            flushRequested = false;
            ctx.flush();
        }
        shutdown.passOn(ctx);
    }

    /**
     * During the key exchange the half-close waits, as writes do, until the exchange is done and the queued writes
     * are sealed and sent; writes after it fail with a {@link ClosedChannelException}.
     */
    @Override
    public void shutdownOutput(HandlerContext ctx, CompletableFuture<Void> promise) {
        if (state != State.HELLO_SENT && state != State.CONFIRMING) {
            ctx.shutdownOutput(promise);
        } else {
            shutdown.add(promise);
        }
    }

    /** Authenticates and decrypts one frame; the caller releases {@code frame}. */
    private Buffer open(Buffer frame) {
        int len = frame.readableBytes();
        if (len < OVERHEAD) {
            throw new FrameAuthenticationException(
                    "truncated frame: " + len + " bytes, shorter than the " + OVERHEAD + " of sequence and tag");
        }
        int at = frame.readerIndex();
        long seq = frame.getLong(at);
        if (seq != receiveSeq) {
            throw new FrameSequenceException(receiveSeq, seq);
        }
        if (Long.compareUnsigned(seq, config.maxFrames) >= 0) {
            throw new NonceExhaustedException(
                    "peer sent more than " + Long.toUnsignedString(config.maxFrames) + " frames on one key");
        }
        int plainLength = len - OVERHEAD;
        Buffer out = ctx.alloc().allocate(Math.max(plainLength, 1));
        try {
            initCipher(receiveCipher, Cipher.DECRYPT_MODE, receiveKey, receiveIv, seq);
            ByteBuffer src = frame.internalNioBuffer(at + 8, len - 8);
            ByteBuffer dst = out.internalNioBuffer(0, plainLength);
            int n = receiveCipher.doFinal(src, dst);
            out.writerIndex(n);
        } catch (AEADBadTagException e) {
            out.release();
            throw new FrameAuthenticationException("frame " + Long.toUnsignedString(seq) + " of " + len
                    + " bytes failed authentication (altered, truncated or sealed with another key)", e);
        } catch (GeneralSecurityException | RuntimeException e) {
            out.release();
            throw new FrameAuthenticationException("frame " + Long.toUnsignedString(seq) + " could not be opened: "
                    + e, e);
        }
        receiveSeq = seq + 1;
        return out;
    }

    // ------------------------------------------------------------------ outbound

    @Override
    public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) {
        if (!(msg instanceof Buffer plain)) {
            ReferenceCounted.safeRelease(msg);
            failPromise(promise, new EncoderException("AeadCodec seals Buffers only, not "
                    + (msg == null ? "null" : msg.getClass().getName())));
            return;
        }
        switch (state) {
            case READY -> sealAndWrite(plain, promise);
            case FAILED -> {
                plain.release();
                failPromise(promise, new ClosedChannelException());
            }
            default -> {
                if (shutdown.isRequested()) {
                    plain.release();
                    failPromise(promise, new ClosedChannelException());
                    return;
                }
                long bytes = pendingBytes + plain.readableBytes();
                if (bytes > config.maxPendingBytes) {
                    plain.release();
                    FrameCryptoException e = new FrameCryptoException("writes waiting for the key exchange would "
                            + "reach " + bytes + " bytes, limit " + config.maxPendingBytes);
                    failPromise(promise, e);
                    fail(e);
                    return;
                }
                pendingBytes = bytes;
                pending.add(new Pending(plain, promise));
            }
        }
    }

    @Override
    public void flush(HandlerContext ctx) {
        if (state == State.READY || state == State.FAILED) {
            ctx.flush();
        } else {
            flushRequested = true;
        }
    }

    private void sealAndWrite(Buffer plain, CompletableFuture<Void> promise) {
        Buffer sealed;
        try {
            if (plain.readableBytes() > config.maxPlaintext) {
                throw new EncoderException("message of " + plain.readableBytes() + " bytes exceeds the "
                        + config.maxPlaintext + "-byte limit of one sealed frame");
            }
            sealed = seal(plain);
        } catch (NonceExhaustedException e) {
            failPromise(promise, e);
            fail(e);
            return;
        } catch (RuntimeException e) {
            failPromise(promise, e);
            return;
        } finally {
            plain.release();
        }
        ctx.write(sealed, promise);
    }

    /** Seals {@code plain} (not released here) into a new frame numbered with the next send sequence. */
    private Buffer seal(Buffer plain) {
        long seq = sendSeq;
        if (Long.compareUnsigned(seq, config.maxFrames) >= 0) {
            throw new NonceExhaustedException("sent " + Long.toUnsignedString(config.maxFrames)
                    + " frames on one key, the limit; reconnect for fresh keys");
        }
        int len = plain.readableBytes();
        Buffer out = ctx.alloc().allocate(OVERHEAD + len);
        try {
            out.writeLong(seq);
            initCipher(sendCipher, Cipher.ENCRYPT_MODE, sendKey, sendIv, seq);
            ByteBuffer src = plain.internalNioBuffer(plain.readerIndex(), len);
            ByteBuffer dst = out.internalNioBuffer(8, len + AeadAlgorithm.TAG_LENGTH);
            int n = sendCipher.doFinal(src, dst);
            out.writerIndex(8 + n);
        } catch (GeneralSecurityException e) {
            out.release();
            throw Hkdf.unexpected(e);
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
        sendSeq = seq + 1;
        return out;
    }

    private void initCipher(Cipher cipher, int mode, SecretKeySpec key, byte[] iv, long seq)
            throws GeneralSecurityException {
        System.arraycopy(iv, 0, nonce, 0, nonce.length);
        for (int i = 0; i < 8; i++) {
            byte b = (byte) (seq >>> (56 - 8 * i));
            nonce[4 + i] ^= b;
            aad[i] = b;
        }
        cipher.init(mode, key, algorithm.nonce(nonce));
        cipher.updateAAD(aad);
    }

    // ------------------------------------------------------------------ failure

    private void fail(FrameCryptoException e) {
        if (state == State.FAILED) {
            return;
        }
        state = State.FAILED;
        log.debug("{}: closing: {}", ctx.channel(), e.getMessage());
        cancelTimeout();
        handshake.completeExceptionally(e);
        failPending(e);
        ctx.fireExceptionCaught(e);
        // Closed from a task, not from inside this callback: stages in front (a frame decoder with more frames
        // of the same read) must not be re-entered by the close. Anything read meanwhile is dropped (FAILED).
        ctx.loop().execute(() -> ctx.close());
    }

    private void failPending(Throwable cause) {
        Pending p;
        while ((p = pending.poll()) != null) {
            p.msg().release();
            failPromise(p.promise(), cause);
        }
        pendingBytes = 0;
        shutdown.fail(cause);
    }

    private static void failPromise(CompletableFuture<Void> promise, Throwable cause) {
        if (promise != null) {
            promise.completeExceptionally(cause);
        }
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel();
            timeout = null;
        }
    }

    /**
     * Configures {@link AeadCodec}s; {@link #build()} makes one per connection. Configure from one thread; once
     * configured it may be shared by initializers on every loop.
     */
    public static final class Builder {
        /** Default largest plaintext of one frame: 64 KiB. */
        public static final int DEFAULT_MAX_PLAINTEXT = 64 * 1024;
        /** Default frames per direction before the connection closes: 2<sup>32</sup>. */
        public static final long DEFAULT_MAX_FRAMES = 1L << 32;
        /** Default bound on bytes written before the key exchange finished: 1 MiB. */
        public static final long DEFAULT_MAX_PENDING_BYTES = 1 << 20;

        private final byte[] secret;
        private AeadAlgorithm algorithm = AeadAlgorithm.AES_256_GCM;
        private int maxPlaintext = DEFAULT_MAX_PLAINTEXT;
        private long maxFrames = DEFAULT_MAX_FRAMES;
        private long maxPendingBytes = DEFAULT_MAX_PENDING_BYTES;
        private long handshakeTimeoutMillis = 10_000;

        private Builder(byte[] secret) {
            if (secret == null || secret.length < 16) {
                throw new IllegalArgumentException("the pre-shared secret must have at least 16 bytes");
            }
            this.secret = secret.clone();
        }

        /** The AEAD; {@link AeadAlgorithm#AES_256_GCM} unless set. Both peers must use the same. */
        public Builder algorithm(AeadAlgorithm algorithm) {
            if (algorithm == null) {
                throw new NullPointerException("algorithm");
            }
            this.algorithm = algorithm;
            return this;
        }

        /** Largest message sealed into one frame; default 64 KiB. A longer write fails its promise. */
        public Builder maxPlaintextLength(int bytes) {
            if (bytes < 0 || bytes > Integer.MAX_VALUE - OVERHEAD) {
                throw new IllegalArgumentException("maxPlaintextLength out of range: " + bytes);
            }
            this.maxPlaintext = bytes;
            return this;
        }

        /**
         * Frames each direction may carry before the connection is closed with {@link NonceExhaustedException};
         * default 2<sup>32</sup>, at most 2<sup>63</sup>. Lower it to bound the data under one key.
         */
        public Builder maxFramesPerDirection(long frames) {
            if (frames < 1) {
                throw new IllegalArgumentException("maxFramesPerDirection must be positive, was " + frames);
            }
            this.maxFrames = frames;
            return this;
        }

        /** Bytes that may be written before the key exchange finished; default 1 MiB. */
        public Builder maxPendingBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxPendingBytes must not be negative, was " + bytes);
            }
            this.maxPendingBytes = bytes;
            return this;
        }

        /** How long the key exchange may take; default 10 s. */
        public Builder handshakeTimeout(long timeout, TimeUnit unit) {
            long millis = unit.toMillis(timeout);
            if (millis <= 0) {
                throw new IllegalArgumentException("handshake timeout must be positive");
            }
            this.handshakeTimeoutMillis = millis;
            return this;
        }

        /**
         * The longest sealed frame a peer with this configuration sends: the plaintext limit plus
         * {@link AeadCodec#OVERHEAD}. Configure the frame decoder in front to accept it (the hello is shorter).
         */
        public int maxSealedFrameLength() {
            return Math.max(maxPlaintext + OVERHEAD, HELLO_LENGTH);
        }

        /** A codec for one connection. */
        public AeadCodec build() {
            return new AeadCodec(this);
        }
    }
}
