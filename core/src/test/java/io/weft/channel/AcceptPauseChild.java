package io.weft.channel;

import io.weft.bootstrap.Server;
import io.weft.loop.EventLoopGroup;
import io.weft.testing.EchoHandler;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Child JVM of {@link AcceptPauseTest}: an echo server on one loop, run under a low open-file limit. Prints
 * {@code PORT n}, then answers {@code stats} with {@code STATS failures pauses channels} until its input closes.
 */
public final class AcceptPauseChild {

    private AcceptPauseChild() {
    }

    public static void main(String[] args) throws Exception {
        try (EventLoopGroup group = new EventLoopGroup(1)) {
            Server server = Server.builder().group(group)
                    .childHandler(ch -> ch.pipeline().addLast("echo", new EchoHandler()))
                    .bind("127.0.0.1", 0);
            TcpServerChannel channel = server.channel();
            System.out.println("PORT " + server.port());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals("stats")) {
                    System.out.println("STATS " + channel.acceptFailures() + " " + channel.acceptPauses() + " "
                            + group.next().channelCount());
                }
            }
            server.close();
        }
    }
}
