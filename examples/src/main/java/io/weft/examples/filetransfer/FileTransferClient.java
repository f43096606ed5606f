package io.weft.examples.filetransfer;

import io.weft.bootstrap.Client;
import io.weft.buffer.Buffer;
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
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Streams a file to a {@link FileTransferServer} in 64 KiB chunks, each one gzip member inside a CRC32C-checked
 * length frame, pacing itself by the channel's writability so a large file never piles up in memory. Completes
 * with the SHA-256 (hex) once the server has confirmed the same digest.
 */
public final class FileTransferClient {

    static final int CHUNK = 64 * 1024;

    /** Sends {@code file} to {@code server}; the future completes with the SHA-256 both sides agreed on. */
    public static CompletableFuture<String> send(EventLoopGroup group, SocketAddress server, Path file)
            throws IOException {
        FileSender sender = new FileSender(file);
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

    static final class FileSender implements Handler {
        final CompletableFuture<String> result = new CompletableFuture<>();
        private final Path path;
        private final FileChannel file;
        private final MessageDigest sha256;
        private final StringBuilder reply = new StringBuilder();
        private boolean done;
        private String digest;

        FileSender(Path path) throws IOException {
            this.path = path;
            this.file = FileChannel.open(path);
            try {
                this.sha256 = MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void channelActive(HandlerContext ctx) throws IOException {
            byte[] name = path.getFileName().toString().getBytes(StandardCharsets.UTF_8);
            Buffer header = ctx.alloc().allocate(2 + name.length + 8);
            header.writeShort(name.length).writeBytes(name).writeLong(file.size());
            ctx.write(header);
            pump(ctx);
        }

        @Override
        public void writabilityChanged(HandlerContext ctx) throws IOException {
            pump(ctx);
        }

        /** Writes chunks while the channel is writable; the last one is followed by the SHA-256. */
        private void pump(HandlerContext ctx) throws IOException {
            while (!done && ctx.channel().isWritable()) {
                Buffer chunk = ctx.alloc().allocate(CHUNK);
                int n = file.read(chunk.internalNioBuffer(0, CHUNK)); // straight into direct memory
                if (n < 0) {
                    chunk.release();
                    done = true;
                    file.close();
                    byte[] sha = sha256.digest();
                    digest = HexFormat.of().formatHex(sha);
                    ctx.write(ctx.alloc().copyOf(sha));
                    break;
                }
                chunk.writerIndex(n);
                sha256.update(chunk.internalNioBuffer(0, n));
                ctx.write(chunk);
            }
            ctx.flush();
        }

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            Buffer b = (Buffer) msg;
            reply.append(b.toString(StandardCharsets.UTF_8));
            b.release();
            int eol = reply.indexOf("\n");
            if (eol >= 0) {
                String line = reply.substring(0, eol);
                if (line.equals("OK " + digest)) {
                    result.complete(digest);
                } else {
                    result.completeExceptionally(new IOException("server rejected the file: " + line));
                }
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            result.completeExceptionally(cause);
            ctx.close();
        }

        @Override
        public void channelInactive(HandlerContext ctx) throws IOException {
            result.completeExceptionally(new IOException("connection closed before the server confirmed"));
            file.close();
            ctx.fireChannelInactive();
        }
    }

    /** {@code FileTransferClient file [host] [port]}. */
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        String host = args.length > 1 ? args[1] : "127.0.0.1";
        int port = args.length > 2 ? Integer.parseInt(args[2]) : 8024;
        try (EventLoopGroup group = new EventLoopGroup(1)) {
            String sha = send(group, new InetSocketAddress(host, port), file).get(10, TimeUnit.MINUTES);
            System.out.println("sent " + Files.size(file) + " bytes, SHA-256 " + sha + " confirmed by the server");
        }
    }

}
