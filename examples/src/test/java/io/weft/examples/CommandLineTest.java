package io.weft.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every example checks its arguments: a bad port, a busy port, a missing file or an unknown host gives an error
 * line and a usage line on stderr and exit status 2, never a stack trace. Each case runs the example's real
 * {@code main} in a child JVM (a few at a time, to keep the test short without crowding the machine).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CommandLineTest {

    private static final int PARALLEL = 4;

    @TempDir
    Path dir;

    private record Case(String expect, String mainClass, String... args) {
    }

    private record Outcome(Case c, Process process, Path err) {
    }

    @Test
    void everyExampleRejectsBadArgumentsWithAUsageLineAndStatus2() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
        String missing = dir.resolve("no-such-file.bin").toString();
        String unknownHost = "no-such-host.invalid"; // RFC 6761: never resolves
        try (ServerSocket busyTcp = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             DatagramSocket busyUdp = new DatagramSocket(new InetSocketAddress(0))) {
            String tcpPort = String.valueOf(busyTcp.getLocalPort());
            String udpPort = String.valueOf(busyUdp.getLocalPort());
            List<Case> cases = List.of(
                    new Case("bad port 'eighty'", "io.weft.examples.echo.EchoServer", "eighty"),
                    new Case("bad port '70000'", "io.weft.examples.echo.EchoServer", "70000"),
                    new Case("cannot listen there", "io.weft.examples.echo.EchoServer", tcpPort),
                    new Case("unexpected argument 'extra'", "io.weft.examples.echo.EchoServer", "0", "extra"),
                    new Case("unknown host '" + unknownHost + "'", "io.weft.examples.echo.EchoClient", unknownHost),
                    new Case("bad port '-1'", "io.weft.examples.echo.EchoClient", "127.0.0.1", "-1"),
                    new Case("bad port '0x50'", "io.weft.examples.chat.ChatServer", "0x50"),
                    new Case("cannot listen there", "io.weft.examples.chat.ChatServer", tcpPort),
                    new Case("no such file: " + missing, "io.weft.examples.filetransfer.FileTransferClient", missing),
                    new Case("missing FILE", "io.weft.examples.filetransfer.FileTransferClient"),
                    new Case("unknown host", "io.weft.examples.filetransfer.FileTransferClient",
                            notADirectory.toString(), unknownHost),
                    new Case("cannot use directory", "io.weft.examples.filetransfer.FileTransferServer", "0",
                            notADirectory.resolve("sub").toString()),
                    new Case("cannot listen there", "io.weft.examples.filetransfer.FileTransferServer", tcpPort,
                            dir.toString()),
                    new Case("cannot listen there", "io.weft.examples.udp.UdpEchoServer", udpPort),
                    new Case("unknown host", "io.weft.examples.udp.UdpEchoClient", unknownHost),
                    new Case("bad threads '0'", "io.weft.examples.http.HttpHelloServer", "0", "0"),
                    new Case("cannot listen there", "io.weft.examples.http.HttpHelloServer", tcpPort),
                    new Case("bad URL", "io.weft.examples.http.HttpGetClient", "ftp://127.0.0.1/x"),
                    new Case("unknown host", "io.weft.examples.http.HttpGetClient", "http://" + unknownHost + "/"),
                    new Case("no such file: " + missing, "io.weft.examples.tls.TlsEchoServer", "0", missing, missing),
                    new Case("missing KEY.pem", "io.weft.examples.tls.TlsEchoServer", "0", missing),
                    new Case("unknown strategy 'fastest'", "io.weft.examples.proxy.TcpLoadBalancer", "0", "fastest",
                            "127.0.0.1:1"),
                    new Case("cannot listen there", "io.weft.examples.proxy.TcpLoadBalancer", tcpPort,
                            "round-robin", "127.0.0.1:1"),
                    new Case("missing HOST:PORT", "io.weft.examples.proxy.HttpReverseProxy", "0", "weighted"),
                    new Case("unknown host", "io.weft.examples.proxy.HttpReverseProxy", "0", "power-of-two",
                            unknownHost + ":80"),
                    new Case("unexpected argument 'x'", "io.weft.examples.proxy.BalancingDemo", "x"));
            for (int first = 0; first < cases.size(); first += PARALLEL) {
                List<Outcome> batch = new ArrayList<>();
                for (int i = first; i < Math.min(cases.size(), first + PARALLEL); i++) {
                    batch.add(start(cases.get(i), dir.resolve("err-" + i + ".txt")));
                }
                try {
                    for (Outcome o : batch) {
                        check(o);
                    }
                } finally {
                    batch.forEach(o -> o.process().destroyForcibly()); // a server that wrongly started
                }
            }
        }
    }

    private static void check(Outcome o) throws Exception {
        String what = o.c().mainClass() + " " + String.join(" ", o.c().args());
        assertTrue(o.process().waitFor(120, TimeUnit.SECONDS), what + " did not exit");
        String err = Files.readString(o.err(), StandardCharsets.UTF_8);
        assertEquals(2, o.process().exitValue(), what + " printed:\n" + err);
        assertTrue(err.contains("error: ") && err.contains(o.c().expect()), what + " printed:\n" + err);
        assertTrue(err.contains("\nusage: "), what + " printed no usage line:\n" + err);
        assertFalse(err.contains("\tat ") || err.contains("Exception:"), what + " printed a trace:\n" + err);
    }

    private static Outcome start(Case c, Path err) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xmx64m", "-cp",
                System.getProperty("java.class.path"), c.mainClass()));
        command.addAll(List.of(c.args()));
        Process p = new ProcessBuilder(command).redirectErrorStream(false)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
        return new Outcome(c, p, err);
    }
}
