package io.weft.examples.tlv;

import io.weft.bootstrap.Client;
import io.weft.channel.TcpChannel;
import io.weft.examples.Cli;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends TLV records to a {@link TlvServer} and prints the replies.
 *
 * <p>Usage: {@code TlvClient [host] [port] [text...]} (defaults 127.0.0.1, 8010, "hello"); each text becomes one
 * record of type 1.
 */
public final class TlvClient {

    private TlvClient() {
    }

    /** Connects, sends one record per text, prints each reply. */
    public static void main(String[] args) {
        Cli.main("TlvClient [host] [port] [text...]   (defaults 127.0.0.1 8010 \"hello\")", args, a -> {
            String host = a.host(0, "127.0.0.1");
            int port = a.integer(1, "port", 8010, 1, 65_535);
            List<Tlv> records = new ArrayList<>();
            for (int i = 2; a.has(i); i++) {
                records.add(new Tlv(1, a.string(i, "").getBytes(StandardCharsets.UTF_8)));
            }
            if (records.isEmpty()) {
                records.add(new Tlv(1, "hello".getBytes(StandardCharsets.UTF_8)));
            }
            for (Tlv reply : exchange(host, port, records)) {
                System.out.println(reply.type() + ": " + new String(reply.value(), StandardCharsets.UTF_8));
            }
        });
    }

    /** Sends {@code records} and returns as many replies, in order. */
    public static List<Tlv> exchange(String host, int port, List<Tlv> records) throws Exception {
        List<Tlv> replies = new ArrayList<>();
        CompletableFuture<List<Tlv>> done = new CompletableFuture<>();
        try (EventLoopGroup group = new EventLoopGroup(1)) {
            TcpChannel channel = Client.builder().group(group)
                    .handler(ch -> TlvServer.initPipeline(ch, new Handler() {
                        @Override
                        public void channelRead(HandlerContext ctx, Object msg) {
                            replies.add((Tlv) msg);
                            if (replies.size() == records.size()) {
                                done.complete(replies);
                                ctx.close();
                            }
                        }

                        @Override
                        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
                            done.completeExceptionally(cause);
                            ctx.close();
                        }
                    }))
                    .connect(host, port).get(10, TimeUnit.SECONDS);
            for (Tlv record : records) {
                channel.write(record);
            }
            channel.flush();
            return done.get(30, TimeUnit.SECONDS);
        }
    }
}
