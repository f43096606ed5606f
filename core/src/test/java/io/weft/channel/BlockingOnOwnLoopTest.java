package io.weft.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Client;
import io.weft.bootstrap.Server;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import io.weft.testing.EchoHandler;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Blocking on a channel's future from its own loop thread would wait for work only that thread can do. Weft
 * throws instead of hanging the loop (and every other channel on it); from other threads the futures block as
 * usual.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BlockingOnOwnLoopTest {

    @Test
    void joiningOrGettingAChannelFutureOnItsOwnLoopThrowsInsteadOfDeadlocking() throws Exception {
        try (EventLoopGroup group = new EventLoopGroup(1)) {
            Server server = Server.builder().group(group)
                    .childHandler(ch -> ch.pipeline().addLast("echo", new EchoHandler())).bind("127.0.0.1", 0);
            try {
                List<String> outcomes = new CopyOnWriteArrayList<>();
                CompletableFuture<Void> done = new CompletableFuture<>();
                TcpChannel client = Client.builder().group(group).handler(ch -> ch.pipeline().addLast("h",
                        new Handler() {
                            @Override
                            public void channelActive(HandlerContext ctx) {
                                outcomes.add(attempt(() -> ctx.channel().closeFuture().join()));
                                outcomes.add(attempt(() -> ctx.channel().closeFuture().get(1, TimeUnit.SECONDS)));
                                outcomes.add(attempt(() -> ctx.channel().newPromise().thenRun(() -> { }).join()));
                                CompletableFuture<Void> closing = ctx.channel().close();
                                outcomes.add(attempt(closing::get));
                                closing.whenComplete((v, t) -> done.complete(null));
                                ctx.fireChannelActive();
                            }
                        })).connect("127.0.0.1", server.localAddress().getPort()).get(10, TimeUnit.SECONDS);
                done.get(10, TimeUnit.SECONDS);
                // A close started inside a callback completes after it returns, so waiting for it there would hang.
                assertEquals(4, outcomes.size());
                for (String outcome : outcomes) {
                    assertTrue(outcome.startsWith("IllegalStateException"), outcome);
                }
                // From another thread the same futures simply block until done.
                client.closeFuture().get(10, TimeUnit.SECONDS);
                assertFalse(client.isOpen());
                // And the loop is alive: a new connection still echoes.
                TcpChannel second = Client.builder().group(group).handler(ch -> { })
                        .connect("127.0.0.1", server.localAddress().getPort()).get(10, TimeUnit.SECONDS);
                second.close().get(10, TimeUnit.SECONDS);
            } finally {
                server.close();
            }
        }
    }

    private interface Blocking {
        Object run() throws Exception;
    }

    private static String attempt(Blocking call) {
        try {
            call.run();
            return "done";
        } catch (IllegalStateException e) {
            return "IllegalStateException: " + e.getMessage();
        } catch (Exception e) {
            return e.toString();
        }
    }
}
