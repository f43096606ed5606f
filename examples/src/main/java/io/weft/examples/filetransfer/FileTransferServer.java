package io.weft.examples.filetransfer;

import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.codec.ByteToMessageDecoder;
import io.weft.codec.CorruptFrameException;
import io.weft.codec.checksum.ChecksumDecoder;
import io.weft.codec.checksum.ChecksumEncoder;
import io.weft.codec.checksum.ChecksumType;
import io.weft.codec.compress.GzipDecoder;
import io.weft.codec.compress.GzipEncoder;
import io.weft.codec.frame.LengthFieldFrameDecoder;
import io.weft.codec.frame.LengthFieldPrepender;
import io.weft.examples.Cli;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.HandlerContext;
import io.weft.pipeline.Pipeline;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * Receives files sent by {@link FileTransferClient} into a directory. Both directions use the same stack:
 * length-framed (4 bytes), CRC32C-checked, gzip-compressed chunks. After decompression the client's byte stream is
 * a sequence of files, each {@code [name length: 2][name: UTF-8][size: 8][size bytes of file][SHA-256: 32]}; the
 * server hashes what it writes and answers each one with {@code "OK <sha-256 hex>\n"} or {@code "BAD ...\n"}.
 *
 * <p>A file is written to a hidden temporary file next to its target and renamed into place only once its
 * SHA-256 matched: a corrupted chunk (which fails its CRC32C and closes the connection), a wrong digest or a
 * connection that ends mid-file leave no partial file behind. Names must be plain file names (see
 * {@link InvalidFileNameException}); an existing file of the same name is replaced.
 */
public final class FileTransferServer {

    static final String USAGE = "FileTransferServer [port] [directory]   (defaults 8024 and ./received)";

    /** The codec stack shared by client and server: frame, checksum, compress (head to tail). */
    static void addCodecs(Pipeline p) {
        p.addLast("frame", new LengthFieldFrameDecoder(1 << 20, 4))
                .addLast("prepend", new LengthFieldPrepender(4))
                .addLast("crc", new ChecksumDecoder(ChecksumType.CRC32C))
                .addLast("crcOut", new ChecksumEncoder(ChecksumType.CRC32C))
                .addLast("gunzip", new GzipDecoder(1 << 20))
                .addLast("gzip", new GzipEncoder(1));
    }

    private FileTransferServer() {
    }

    /** Starts a server on {@code host:port} (0: any free port) writing into {@code dir}. */
    public static Server start(EventLoopGroup group, String host, int port, Path dir) {
        return Server.builder().group(group).childHandler(ch -> {
            addCodecs(ch.pipeline());
            ch.pipeline().addLast("receive", new FileReceiver(dir));
        }).bind(host, port);
    }

    /**
     * Checks that {@code name} is a plain file name: not empty, at most 200 bytes, not {@code .} or {@code ..}, no
     * {@code /}, {@code \}, NUL or other control character.
     */
    static String checkName(byte[] encoded) {
        String name = new String(encoded, StandardCharsets.UTF_8);
        String problem = null;
        if (name.isEmpty()) {
            problem = "is empty";
        } else if (encoded.length > 200) {
            problem = "is longer than 200 bytes";
        } else if (name.equals(".") || name.equals("..")) {
            problem = "names a directory";
        } else if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
            problem = "contains a path separator (only plain file names are accepted)";
        } else if (name.chars().anyMatch(Character::isISOControl)) {
            problem = "contains a control character";
        }
        if (problem != null) {
            throw new InvalidFileNameException("file name '" + name.replaceAll("\\p{Cntrl}", "?") + "' " + problem);
        }
        return name;
    }

    /** Parses the decompressed stream; writes each file as it arrives, hashing it on the way. */
    static final class FileReceiver extends ByteToMessageDecoder {
        private final Path dir;
        private final MessageDigest sha256;
        private FileChannel file;   // open while a file is being received
        private Path partial;       // where it is being written
        private Path target;        // where it goes once verified
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
                byte[] encoded = new byte[in.readUnsignedShort()];
                in.readBytes(encoded);
                long size = in.readLong();
                String name;
                try {
                    name = checkName(encoded);
                } catch (InvalidFileNameException e) {
                    reply(ctx, "BAD " + e.getMessage());
                    throw e;
                }
                if (size < 0) {
                    reply(ctx, "BAD negative size " + size);
                    throw new CorruptFrameException("negative file size " + size);
                }
                target = dir.resolve(name);
                partial = dir.resolve("." + name + ".part");
                file = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
                remaining = size;
                sha256.reset();
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
                file = null;
                remaining = -1;
                if (MessageDigest.isEqual(expected, actual)) {
                    Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
                    reply(ctx, "OK " + HexFormat.of().formatHex(actual));
                } else {
                    Files.deleteIfExists(partial);
                    reply(ctx, "BAD expected " + HexFormat.of().formatHex(expected) + " actual "
                            + HexFormat.of().formatHex(actual));
                }
                partial = null;
            }
        }

        private static void reply(HandlerContext ctx, String line) {
            ctx.writeAndFlush(ctx.alloc().copyOf(line + "\n", StandardCharsets.UTF_8));
        }

        /** Closes and deletes a file that was not received completely. */
        private void abandon() throws IOException {
            FileChannel f = file;
            file = null;
            if (f != null) {
                f.close();
            }
            Path p = partial;
            partial = null;
            if (p != null) {
                Files.deleteIfExists(p);
            }
        }

        @Override
        public void channelInactive(HandlerContext ctx) throws Exception {
            try {
                super.channelInactive(ctx);
            } finally {
                abandon();
            }
        }

        @Override
        public void handlerRemoved(HandlerContext ctx) throws Exception {
            try {
                super.handlerRemoved(ctx);
            } finally {
                abandon();
            }
        }
    }

    /** {@code FileTransferServer [port] [directory]}: runs until killed. */
    public static void main(String[] args) {
        Cli.main(USAGE, args, a -> {
            int port = a.atMost(2).port(0, 8024);
            Path dir = a.directory(1, "received");
            try (EventLoopGroup group = new EventLoopGroup()) {
                Server server = start(group, "127.0.0.1", port, dir);
                System.out.println("receiving into " + dir.toAbsolutePath() + " on " + server.localAddress());
                server.closeFuture().get();
            }
        });
    }
}
