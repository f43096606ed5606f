package io.weft.examples.filetransfer;

import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.codec.ByteToMessageDecoder;
import io.weft.codec.checksum.ChecksumDecoder;
import io.weft.codec.checksum.ChecksumEncoder;
import io.weft.codec.checksum.ChecksumType;
import io.weft.codec.compress.GzipDecoder;
import io.weft.codec.compress.GzipEncoder;
import io.weft.codec.frame.LengthFieldFrameDecoder;
import io.weft.codec.frame.LengthFieldPrepender;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.HandlerContext;
import io.weft.pipeline.Pipeline;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * Receives files sent by {@link FileTransferClient} into a directory. Both directions use the same stack:
 * length-framed (4 bytes), CRC32C-checked, gzip-compressed chunks. After decompression the client's byte stream is
 * {@code [name length: 2][name: UTF-8][size: 8][size bytes of file][SHA-256: 32]}; the server hashes what it writes
 * and answers {@code "OK <sha-256 hex>\n"} or {@code "BAD ...\n"}. A corrupted chunk fails its CRC32C and closes
 * the connection before anything wrong reaches the disk.
 */
public final class FileTransferServer {

    /** The codec stack shared by client and server: frame, checksum, compress (head to tail). */
    static void addCodecs(Pipeline p) {
        p.addLast("frame", new LengthFieldFrameDecoder(1 << 20, 4))
                .addLast("prepend", new LengthFieldPrepender(4))
                .addLast("crc", new ChecksumDecoder(ChecksumType.CRC32C))
                .addLast("crcOut", new ChecksumEncoder(ChecksumType.CRC32C))
                .addLast("gunzip", new GzipDecoder(1 << 20))
                .addLast("gzip", new GzipEncoder(1));
    }

    /** Starts a server on {@code host:port} (0: any free port) writing into {@code dir}. */
    public static Server start(EventLoopGroup group, String host, int port, Path dir) {
        return Server.builder().group(group).childHandler(ch -> {
            addCodecs(ch.pipeline());
            ch.pipeline().addLast("receive", new FileReceiver(dir));
        }).bind(host, port);
    }

    /** Parses the decompressed stream; writes the file as it arrives, hashing it on the way. */
    static final class FileReceiver extends ByteToMessageDecoder {
        private final Path dir;
        private final MessageDigest sha256;
        private FileChannel file;
        private long remaining = -1;

        FileReceiver(Path dir) {
            this.dir = dir;
            try {
                this.sha256 = MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        protected void decode(HandlerContext ctx, Buffer in, List<Object> out) throws IOException {
            if (file == null) {                                      // header
                if (in.readableBytes() < 2 || in.readableBytes() < 2 + in.getUnsignedShort(in.readerIndex()) + 8) {
                    return;
                }
                byte[] name = new byte[in.readUnsignedShort()];
                in.readBytes(name);
                Path target = dir.resolve(Path.of(new String(name, StandardCharsets.UTF_8)).getFileName());
                remaining = in.readLong();
                file = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
            }
            int n = (int) Math.min(remaining, in.readableBytes());
            if (n > 0) {                                             // body: straight from direct memory
                sha256.update(in.internalNioBuffer(in.readerIndex(), n));
                ByteBuffer view = in.internalNioBuffer(in.readerIndex(), n);
                while (view.hasRemaining()) {
                    file.write(view);
                }
                in.skipBytes(n);
                remaining -= n;
            }
            if (remaining == 0 && in.readableBytes() >= 32) {      // trailer: the sender's SHA-256
                byte[] expected = new byte[32];
                in.readBytes(expected);
                byte[] actual = sha256.digest();
                file.close();
                remaining = -1;
                String reply = MessageDigest.isEqual(expected, actual)
                        ? "OK " + HexFormat.of().formatHex(actual) + "\n"
                        : "BAD expected " + HexFormat.of().formatHex(expected) + " actual "
                                + HexFormat.of().formatHex(actual) + "\n";
                ctx.writeAndFlush(ctx.alloc().copyOf(reply, StandardCharsets.UTF_8));
            }
        }

        @Override
        protected void handlerRemoved0(HandlerContext ctx) throws IOException {
            if (file != null && file.isOpen()) {
                file.close();
            }
        }
    }

    /** {@code FileTransferServer [port] [directory]}: runs until killed. */
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8024;
        Path dir = Files.createDirectories(Path.of(args.length > 1 ? args[1] : "received"));
        try (EventLoopGroup group = new EventLoopGroup()) {
            Server server = start(group, "127.0.0.1", port, dir);
            System.out.println("receiving into " + dir.toAbsolutePath() + " on " + server.localAddress());
            server.closeFuture().get();
        }
    }
}
