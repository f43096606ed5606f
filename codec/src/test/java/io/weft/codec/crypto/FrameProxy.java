package io.weft.codec.crypto;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test-side man in the middle for 4-byte length-prefixed frames: accepts one connection on 127.0.0.1, connects
 * to the target, passes the target's bytes back unchanged and lets {@link Mutator} rewrite the client's frames
 * (alter, drop, repeat, hold back). Records every client frame it saw.
 */
final class FrameProxy implements AutoCloseable {

    /** Rewrites client frame number {@code index} (0 = hello); returns the frames to send in its place. */
    interface Mutator {
        List<byte[]> apply(int index, byte[] frame);
    }

    private final ServerSocket listener;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    final List<byte[]> seen = new CopyOnWriteArrayList<>();

    FrameProxy(InetSocketAddress target, Mutator mutator) throws IOException {
        listener = new ServerSocket();
        listener.bind(new InetSocketAddress("127.0.0.1", 0));
        Thread t = new Thread(() -> {
            try {
                Socket client = listener.accept();
                sockets.add(client);
                Socket server = new Socket();
                sockets.add(server);
                server.connect(target, 10_000);
                Thread back = new Thread(() -> pump(server, client), "proxy-back");
                back.setDaemon(true);
                back.start();
                frames(client, server, mutator);
            } catch (IOException e) {
                // Closed by the test or by a peer: the proxy's work is done.
            } finally {
                closeQuietly();
            }
        }, "proxy-forth");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    private void frames(Socket from, Socket to, Mutator mutator) throws IOException {
        DataInputStream in = new DataInputStream(from.getInputStream());
        DataOutputStream out = new DataOutputStream(to.getOutputStream());
        for (int index = 0; ; index++) {
            byte[] frame;
            try {
                frame = new byte[in.readInt()];
                in.readFully(frame);
            } catch (EOFException e) {
                to.shutdownOutput();
                return;
            }
            seen.add(frame);
            for (byte[] f : mutator.apply(index, frame)) {
                out.writeInt(f.length);
                out.write(f);
            }
            out.flush();
        }
    }

    private static void pump(Socket from, Socket to) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // One side went away.
        }
    }

    private void closeQuietly() {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Best effort.
            }
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        closeQuietly();
    }

    static List<byte[]> same(byte[] frame) {
        List<byte[]> out = new ArrayList<>(1);
        out.add(frame);
        return out;
    }
}
