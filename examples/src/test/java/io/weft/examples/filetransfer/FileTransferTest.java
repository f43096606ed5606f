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
}
