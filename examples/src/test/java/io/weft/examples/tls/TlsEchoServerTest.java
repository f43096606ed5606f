package io.weft.examples.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.weft.bootstrap.Server;
import io.weft.codec.tls.SelfSignedCertificate;
import io.weft.loop.EventLoopGroup;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsEchoServerTest {

    @TempDir
    Path dir;

    @Test
    void jdkTlsClientGetsItsLineBack() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.generate(dir, "server", "localhost");
        try (EventLoopGroup group = new EventLoopGroup(1);
             Server server = TlsEchoServer.start(group, "127.0.0.1", 0, cert.serverContext());
             Socket plain = new Socket("127.0.0.1", server.port());
             SSLSocket socket = (SSLSocket) cert.clientContext().getSocketFactory()
                     .createSocket(plain, "localhost", server.port(), true)) {
            socket.setSoTimeout(20_000);
            SSLParameters params = socket.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(params);
            socket.getOutputStream().write("héllo over tls\n".getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            assertEquals("héllo over tls", reader.readLine());
        }
    }
}
