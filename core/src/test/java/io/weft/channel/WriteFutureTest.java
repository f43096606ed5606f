package io.weft.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.buffer.Buffer;
import io.weft.loop.EventLoopGroup;
import io.weft.testing.Collector;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Write futures: the promise-taking write methods return the promise, which reports the outcome. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WriteFutureTest {

    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new EventLoopGroup(1);
    }

    @AfterAll
    static void stop() {
        group.close();
    }

    @Test
    void writeAndFlushReturnsThePromiseWhichCompletesOnceWritten() throws Exception {
        Collector collector = new Collector(4 << 20);
        try (Server server = Server.builder().group(group)
                .childHandler(ch -> ch.pipeline().addLast("collect", collector)).bind("127.0.0.1", 0)) {
            TcpChannel client = Client.builder().group(group).handler(ch -> { })
                    .connect(server.localAddress()).get(10, TimeUnit.SECONDS);
            byte[] payload = new byte[4 << 20];
            new java.util.Random(1).nextBytes(payload);
            Buffer buffer = client.allocator().copyOf(payload);
            CompletableFuture<Void> promise = client.newPromise();
            CompletableFuture<Void> returned = client.writeAndFlush(buffer, promise);
            assertSame(promise, returned);
            returned.get(30, TimeUnit.SECONDS);
            assertTrue(promise.isDone() && !promise.isCompletedExceptionally());
            assertArrayEquals(payload, collector.done().get(30, TimeUnit.SECONDS));
            client.close().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void writeFutureFailsWithTheCauseWhenTheChannelClosesFirst() throws Exception {
        try (Server server = Server.builder().group(group)
                .childHandler(ch -> { }).bind("127.0.0.1", 0)) {
            TcpChannel client = Client.builder().group(group).handler(ch -> { })
                    .connect(server.localAddress()).get(10, TimeUnit.SECONDS);
            CompletableFuture<Void> unflushed = client.write(client.allocator().copyOf(new byte[] {1}),
                    client.newPromise());
            client.close().get(10, TimeUnit.SECONDS);
            ExecutionException e = assertThrows(ExecutionException.class, () -> unflushed.get(10, TimeUnit.SECONDS));
            assertInstanceOf(java.nio.channels.ClosedChannelException.class, e.getCause());
            Buffer late = client.allocator().copyOf(new byte[] {2});
            CompletableFuture<Void> afterClose = client.writeAndFlush(late, client.newPromise());
            ExecutionException e2 = assertThrows(ExecutionException.class, () -> afterClose.get(10, TimeUnit.SECONDS));
            assertInstanceOf(java.io.IOException.class, e2.getCause());
        }
    }
}
