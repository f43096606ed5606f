package io.weft.examples.filetransfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.weft.bootstrap.Server;
import io.weft.loop.EventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Sends files end to end over 127.0.0.1 (port 0) and checks the bytes and the SHA-256 both sides report. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FileTransferTest {

    @TempDir
    static Path dir;
    private static EventLoopGroup group;
    private static Server server;
    private static Path inbox;

    @BeforeAll
    static void start() throws Exception {
        group = new EventLoopGroup(2);
        inbox = Files.createDirectories(dir.resolve("inbox"));
        server = FileTransferServer.start(group, "127.0.0.1", 0, inbox);
    }

    @AfterAll
    static void stop() {
        server.close();
        group.close();
    }

    private static void transfer(String name, byte[] content) throws Exception {
        Path file = Files.write(dir.resolve(name), content);
        String sha = FileTransferClient.send(group, server.localAddress(), file).get(60, TimeUnit.SECONDS);
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        assertEquals(expected, sha);
        assertArrayEquals(content, Files.readAllBytes(inbox.resolve(name)));
    }

    @Test
    void transfersMultiMegabyteFileWithMatchingSha256() throws Exception {
        byte[] content = new byte[5 * 1024 * 1024 + 123];
        Random rnd = new Random(1);
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i % 4096 < 2048 ? rnd.nextInt(256) : 'a' + i % 7); // half random, half text
        }
        transfer("big.bin", content);
    }

    @Test
    void transfersEmptyFile() throws Exception {
        transfer("empty.bin", new byte[0]);
    }

    @Test
    void acceptsSeveralFilesOnOneConnection() throws Exception {
        byte[] first = "first file\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] second = new byte[300_000];
        new Random(2).nextBytes(second);
        Path a = Files.write(dir.resolve("first.txt"), first);
        Path b = Files.write(dir.resolve("second.bin"), second);
        java.util.List<String> digests = FileTransferClient.sendAll(group, server.localAddress(),
                java.util.List.of(a, b, a), java.util.List.of("one.txt", "two.bin", "three.txt"))
                .get(60, TimeUnit.SECONDS);
        assertEquals(java.util.List.of(sha256(first), sha256(second), sha256(first)), digests);
        assertArrayEquals(first, Files.readAllBytes(inbox.resolve("one.txt")));
        assertArrayEquals(second, Files.readAllBytes(inbox.resolve("two.bin")));
        assertArrayEquals(first, Files.readAllBytes(inbox.resolve("three.txt")));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"/", "../escaped.txt", "a/b", "..", ".", "",
        "back\\slash", "nul\u0000byte"})
    void rejectsANameThatIsNotAPlainFileName(String name) throws Exception {
        Path file = Files.write(dir.resolve("payload.txt"), new byte[] {1, 2, 3});
        java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class,
                () -> FileTransferClient.send(group, server.localAddress(), file, name).get(30, TimeUnit.SECONDS));
        String message = e.getCause().getMessage();
        org.junit.jupiter.api.Assertions.assertTrue(message.contains("BAD file name"), message);
        org.junit.jupiter.api.Assertions.assertFalse(Files.exists(dir.resolve("escaped.txt")));
        try (java.util.stream.Stream<Path> files = Files.list(inbox)) {
            org.junit.jupiter.api.Assertions.assertTrue(files.noneMatch(p -> p.getFileName().toString()
                    .contains("payload") || p.getFileName().toString().endsWith(".part")));
        }
    }

    @Test
    void rejectsANameThroughTheTypedException() {
        org.junit.jupiter.api.Assertions.assertThrows(InvalidFileNameException.class,
                () -> FileTransferServer.checkName("/".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertEquals("ok.txt", FileTransferServer.checkName("ok.txt".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** A sender that announces 1 MB, sends half of it and closes: no file, partial or final, remains. */
    @Test
    void deletesThePartialFileWhenTheConnectionEndsMidFile() throws Exception {
        java.util.concurrent.CompletableFuture<Void> closed = new java.util.concurrent.CompletableFuture<>();
        io.weft.channel.TcpChannel ch = io.weft.bootstrap.Client.builder().group(group).handler(c -> {
            FileTransferServer.addCodecs(c.pipeline());
        }).connect(server.localAddress()).get(10, TimeUnit.SECONDS);
        ch.closeFuture().whenComplete((v, t) -> closed.complete(null));
        byte[] name = "cut-short.bin".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        io.weft.buffer.Buffer header = ch.allocator().allocate(2 + name.length + 8);
        header.writeShort(name.length).writeBytes(name).writeLong(1_000_000);
        ch.write(header);
        ch.writeAndFlush(ch.allocator().copyOf(new byte[500_000]));
        Path partial = inbox.resolve(".cut-short.bin.part");
        awaitTrue(() -> Files.exists(partial), "the partial file to appear");
        ch.close().get(10, TimeUnit.SECONDS);
        awaitTrue(() -> !Files.exists(partial) && !Files.exists(inbox.resolve("cut-short.bin")),
                "the partial file to be deleted");
    }

    /** 100 MB of random bytes (incompressible: every chunk is a full gzip member) with matching SHA-256. */
    @Test
    void transfersAHundredMegabyteRandomFileWithMatchingSha256() throws Exception {
        Path file = dir.resolve("random-100mb.bin");
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        Random rnd = new Random(100);
        byte[] block = new byte[1 << 20];
        try (java.io.OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < 100; i++) {
                rnd.nextBytes(block);
                expected.update(block);
                out.write(block);
            }
        }
        String sha = HexFormat.of().formatHex(expected.digest());
        try {
            assertEquals(sha, FileTransferClient.send(group, server.localAddress(), file).get(100, TimeUnit.SECONDS));
            Path received = inbox.resolve("random-100mb.bin");
            MessageDigest actual = MessageDigest.getInstance("SHA-256");
            try (java.io.InputStream in = Files.newInputStream(received)) {
                for (int n; (n = in.read(block)) >= 0; ) {
                    actual.update(block, 0, n);
                }
            }
            assertEquals(sha, HexFormat.of().formatHex(actual.digest()), "the file on the server's disk");
            Files.delete(received);
        } finally {
            Files.delete(file);
        }
    }

    private static String sha256(byte[] content) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }
}
