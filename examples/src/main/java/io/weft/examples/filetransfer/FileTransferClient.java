package io.weft.examples.filetransfer;

import io.weft.bootstrap.Client;
import io.weft.buffer.Buffer;
import io.weft.examples.Cli;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Streams files to a {@link FileTransferServer} over one connection, one after the other, in 64 KiB chunks, each
 * one gzip member inside a CRC32C-checked length frame. It paces itself by the channel's writability (write while
 * {@code isWritable()}, resume in {@code writabilityChanged}), so a large file never piles up in memory, and
 * completes with the SHA-256 (hex) of each file once the server has confirmed the same digest.
 */
public final class FileTransferClient {

    static final int CHUNK = 64 * 1024;
    static final String USAGE = "FileTransferClient FILE [host] [port]   (defaults 127.0.0.1 8024)";

    private FileTransferClient() {
    }

    /** Sends {@code file} to {@code server}; the future completes with the SHA-256 both sides agreed on. */
    public static CompletableFuture<String> send(EventLoopGroup group, SocketAddress server, Path file) {
        return send(group, server, file, file.getFileName().toString());
    }

    /** Sends {@code file} under the name {@code remoteName}; completes with the SHA-256 both sides agreed on. */
    public static CompletableFuture<String> send(EventLoopGroup group, SocketAddress server, Path file,
            String remoteName) {
        return sendAll(group, server, List.of(file), List.of(remoteName)).thenApply(digests -> digests.get(0));
    }

    /**
     * Sends {@code files} one after the other over one connection, file {@code i} under the name
     * {@code names.get(i)}; completes with their SHA-256 digests once the server has confirmed each one, or
     * exceptionally with the first problem (the server's {@code BAD ...} answer, a closed connection, ...).
     */
    public static CompletableFuture<List<String>> sendAll(EventLoopGroup group, SocketAddress server,
            List<Path> files, List<String> names) {
        if (files.isEmpty() || files.size() != names.size()) {
            throw new IllegalArgumentException(files.size() + " files and " + names.size() + " names");
        }
        FileSender sender = new FileSender(files, names);
        Client.builder().group(group).handler(ch -> {
            FileTransferServer.addCodecs(ch.pipeline());
            ch.pipeline().addLast("send", sender);
        }).connect(server).whenComplete((ch, error) -> {
            if (error != null) {
                sender.result.completeExceptionally(error);
            }
        });
        return sender.result;
    }

    /** Sends the files in turn; each callback runs on the channel's loop. */
    static final class FileSender implements Handler {
        final CompletableFuture<List<String>> result = new CompletableFuture<>();
        private final List<Path> files;
        private final List<String> names;
        private final List<String> confirmed = new ArrayList<>();
        private final MessageDigest sha256;
        private final StringBuilder reply = new StringBuilder();
        private FileChannel file;      // the file being sent, open until its last chunk is read
        private boolean sent;          // its trailer is written; waiting for the server's answer
        private String digest;         // its SHA-256, once read to the end
        private boolean pumping;

        FileSender(List<Path> files, List<String> names) {
            this.files = List.copyOf(files);
            this.names = List.copyOf(names);
            try {
                this.sha256 = MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void channelActive(HandlerContext ctx) throws IOException {
            startNext(ctx);
        }

        /** Writes the header of the next file and starts pumping its chunks. */
        private void startNext(HandlerContext ctx) throws IOException {
            int index = confirmed.size();
            byte[] name = names.get(index).getBytes(StandardCharsets.UTF_8);
            file = FileChannel.open(files.get(index));
            sent = false;
            digest = null;
            sha256.reset();
            Buffer header = ctx.alloc().allocate(2 + name.length + 8);
            header.writeShort(name.length).writeBytes(name).writeLong(file.size());
            ctx.write(header);
            pump(ctx);
        }

        @Override
        public void writabilityChanged(HandlerContext ctx) throws IOException {
            pump(ctx);
            ctx.fireWritabilityChanged();
        }

        /**
         * Writes chunks while the channel is writable; the last one is followed by the SHA-256. Never nests: a
         * writability event delivered while a write or flush of this loop is under way returns at once, and the
         * loop re-checks {@code isWritable()} after each flush instead.
         */
        private void pump(HandlerContext ctx) throws IOException {
            if (pumping || file == null) {
                return;
            }
            pumping = true;
            try {
                do {
                    while (file != null && ctx.channel().isWritable()) {
                        writeChunk(ctx);
                    }
                    ctx.flush();
                } while (file != null && ctx.channel().isWritable());
            } finally {
                pumping = false;
            }
        }

        private void writeChunk(HandlerContext ctx) throws IOException {
            Buffer chunk = ctx.alloc().allocate(CHUNK);
            int n;
            try {
                n = file.read(chunk.internalNioBuffer(0, CHUNK)); // straight into direct memory
            } catch (IOException e) {
                chunk.release();
                throw e;
            }
            if (n < 0) {
                chunk.release();
                file.close();
                file = null;
                byte[] sha = sha256.digest();
                digest = HexFormat.of().formatHex(sha);
                sent = true;
                ctx.write(ctx.alloc().copyOf(sha));
                return;
            }
            chunk.writerIndex(n);
            sha256.update(chunk.internalNioBuffer(0, n));
            ctx.write(chunk);
        }

        @Override
        public void channelRead(HandlerContext ctx, Object msg) throws IOException {
            Buffer b = (Buffer) msg;
            try {
                reply.append(b.toString(StandardCharsets.UTF_8));
            } finally {
                b.release();
            }
            int eol;
            while ((eol = reply.indexOf("\n")) >= 0 && !result.isDone()) {
                String line = reply.substring(0, eol);
                reply.delete(0, eol + 1);
                if (!sent || !line.equals("OK " + digest)) {
                    result.completeExceptionally(new IOException("server rejected " + names.get(confirmed.size())
                            + ": " + line));
                    ctx.close();
                    return;
                }
                confirmed.add(digest);
                if (confirmed.size() == files.size()) {
                    result.complete(List.copyOf(confirmed));
                    ctx.close();
                } else {
                    startNext(ctx);
                }
            }
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) throws IOException {
            result.completeExceptionally(cause);
            closeFile();
            ctx.close();
        }

        @Override
        public void channelInactive(HandlerContext ctx) throws IOException {
            result.completeExceptionally(new IOException("connection closed before the server confirmed"));
            closeFile();
            ctx.fireChannelInactive();
        }

        private void closeFile() throws IOException {
            FileChannel f = file;
            file = null;
            if (f != null) {
                f.close();
            }
        }
    }

    /** {@code FileTransferClient FILE [host] [port]}. */
    public static void main(String[] args) {
        Cli.main(USAGE, args, a -> {
            Path file = a.atMost(3).existingFile(0, "FILE");
            String host = a.host(1, "127.0.0.1");
            int port = a.integer(2, "port", 8024, 1, 65_535);
            try (EventLoopGroup group = new EventLoopGroup(1)) {
                String sha = send(group, new InetSocketAddress(host, port), file).get(1, TimeUnit.HOURS);
                System.out.println("sent " + Files.size(file) + " bytes, SHA-256 " + sha + " confirmed by the server");
            }
        });
    }
}
