package io.weft.examples.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.bootstrap.Server;
import io.weft.loop.EventLoopGroup;
import io.weft.metrics.TrafficMetrics;
import java.net.Socket;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NetstatServerTest {

    @Test
    void tableShowsEachConnectionWithItsTotalsAndRates() throws Exception {
        EventLoopGroup group = new EventLoopGroup(1);
        TrafficMetrics metrics = new TrafficMetrics("netstat-test");
        Server server = NetstatServer.start(group, "127.0.0.1", 0, metrics);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(new byte[1000]);
            assertEquals(1000, s.getInputStream().readNBytes(1000).length);
            Map<Long, long[]> previous = new HashMap<>();
            String table = NetstatServer.table(metrics, previous, 2.0);
            String row = table.lines().filter(l -> l.contains(":" + s.getLocalPort())).findFirst()
                    .orElseThrow(() -> new AssertionError("no row for the connection in\n" + table));
            assertTrue(row.matches(".*\\s500\\s+500\\s+1000\\s+1000\\s*"), row);
            assertTrue(table.contains("connections: 1 open, 1 opened, 0 closed; 1000 B in, 1000 B out"), table);
            assertTrue(table.contains("loop workers/0: 2 channels"), table + " (the listener and the connection)");
            String again = NetstatServer.table(metrics, previous, 1.0);
            assertTrue(again.lines().anyMatch(l -> l.matches(".*\\s0\\s+0\\s+1000\\s+1000\\s*")), again);
        } finally {
            server.close();
            metrics.close();
            group.close();
        }
    }
}
