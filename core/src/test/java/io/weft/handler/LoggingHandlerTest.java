package io.weft.handler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.buffer.UnpooledAllocator;
import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoopGroup;
import io.weft.testing.Collector;
import io.weft.testing.EchoHandler;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoggingHandlerTest {

    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new EventLoopGroup(1);
    }

    @AfterAll
    static void stop() {
        group.close();
    }

    /** An SLF4J logger that records lines at or above a threshold. */
    static final class RecordingLogger extends LegacyAbstractLogger {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final List<Level> levels = new CopyOnWriteArrayList<>();
        private final Level threshold;

        RecordingLogger(Level threshold) {
            this.threshold = threshold;
            this.name = "recording";
        }

        private boolean on(Level level) {
            return threshold != null && level.toInt() >= threshold.toInt();
        }

        @Override
        public boolean isTraceEnabled() {
            return on(Level.TRACE);
        }

        @Override
        public boolean isDebugEnabled() {
            return on(Level.DEBUG);
        }

        @Override
        public boolean isInfoEnabled() {
            return on(Level.INFO);
        }

        @Override
        public boolean isWarnEnabled() {
            return on(Level.WARN);
        }

        @Override
        public boolean isErrorEnabled() {
            return on(Level.ERROR);
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String messagePattern,
                Object[] arguments, Throwable throwable) {
            levels.add(level);
            lines.add(messagePattern);
        }

        String all() {
            return String.join("\n", lines);
        }
    }

    private static byte[] echoThrough(RecordingLogger logger, Level level, byte[] payload) throws Exception {
        try (Server server = Server.builder().group(group)
                .childHandler(ch -> ch.pipeline()
                        .addLast("log", new LoggingHandler(logger, level, LoggingHandler.DEFAULT_MAX_DUMP_BYTES))
                        .addLast("echo", new EchoHandler()))
                .bind("127.0.0.1", 0)) {
            Collector collector = new Collector(payload.length);
            TcpChannel client = Client.builder().group(group)
                    .handler(ch -> ch.pipeline().addLast("collect", collector))
                    .connect(server.localAddress()).get(10, TimeUnit.SECONDS);
            client.writeAndFlush(client.allocator().copyOf(payload));
            byte[] echoed = collector.done().get(10, TimeUnit.SECONDS);
            client.close().get(5, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (logger.on(level) && !logger.all().contains("INACTIVE") && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            return echoed;
        }
    }

    @Test
    void logsEventsAndHexDumpsAtTheConfiguredLevelAndPassesBytesOnUnchanged() throws Exception {
        RecordingLogger logger = new RecordingLogger(Level.DEBUG);
        byte[] payload = "hello, weft! 0123456789".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(payload, echoThrough(logger, Level.INFO, payload));
        String log = logger.all();
        assertTrue(log.contains("ACTIVE"), log);
        assertTrue(log.contains("READ " + payload.length + " B"), log);
        assertTrue(log.contains("00000000  68 65 6c 6c 6f 2c 20 77  65 66 74 21 20 30 31 32  |hello, weft! 012|"), log);
        assertTrue(log.contains("00000010  33 34 35 36 37 38 39"), log);
        assertTrue(log.contains("|3456789|"), log);
        assertTrue(log.contains("WRITE " + payload.length + " B"), log);
        assertTrue(log.contains("FLUSH"), log);
        assertTrue(log.contains("INACTIVE"), log);
        assertTrue(logger.levels.stream().allMatch(l -> l == Level.INFO), "every line at INFO: " + logger.levels);
    }

    @Test
    void logsNothingWhenItsLevelIsDisabledAndStillPassesEverythingOn() throws Exception {
        RecordingLogger logger = new RecordingLogger(Level.INFO);
        byte[] payload = new byte[10_000];
        new java.util.Random(7).nextBytes(payload);
        assertArrayEquals(payload, echoThrough(logger, Level.DEBUG, payload));
        assertTrue(logger.lines.isEmpty(), logger.all());
    }

    @Test
    void hexDumpShowsAtMostTheLimitAndLeavesIndexesAlone() {
        Buffer buffer = UnpooledAllocator.INSTANCE.allocate(64);
        try {
            for (int i = 0; i < 40; i++) {
                buffer.writeByte(i);
            }
            buffer.readByte();
            String dump = HexDump.dump(buffer, 16);
            assertTrue(dump.startsWith("39 B\n00000000  01 02 03 04 05 06 07 08  09 0a 0b 0c 0d 0e 0f 10"), dump);
            assertTrue(dump.endsWith("... 23 more bytes not shown"), dump);
            assertEquals(1, buffer.readerIndex());
            assertEquals(40, buffer.writerIndex());
            assertEquals("39 B", HexDump.dump(buffer, 0));
        } finally {
            buffer.release();
        }
    }

    @Test
    void describesDatagramsWithAddressesAndPayloadDump() {
        Buffer content = UnpooledAllocator.INSTANCE.copyOf(new byte[] {'h', 'i', 0});
        io.weft.channel.Datagram datagram = new io.weft.channel.Datagram(content,
                new java.net.InetSocketAddress("127.0.0.1", 2), new java.net.InetSocketAddress("127.0.0.1", 1));
        try {
            String text = new LoggingHandler(new RecordingLogger(Level.INFO), Level.INFO, 64).describe(datagram);
            assertTrue(text.startsWith("/127.0.0.1:1 -> /127.0.0.1:2 3 B\n00000000  68 69 00"), text);
            assertTrue(text.endsWith("|hi.|"), text);
        } finally {
            datagram.release();
        }
        assertEquals(0, content.refCnt());
    }
}
