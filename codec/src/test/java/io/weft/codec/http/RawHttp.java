package io.weft.codec.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Blocking raw-socket helpers for tests: send bytes, read responses by hand. */
public final class RawHttp {

    private RawHttp() {
    }

    /** A parsed response: status code, headers (lower-case names) and body. */
    public record Response(int status, java.util.Map<String, String> headers, String body) {
    }

    public static Socket connect(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(20_000);
        return socket;
    }

    /**
     * Writes {@code request}, ignoring a reset caused by the server closing early, then reads until the server
     * closes. Returns everything read.
     */
    static String exchangeUntilClose(int port, byte[] request) throws IOException {
        try (Socket socket = connect(port)) {
            try {
                OutputStream out = socket.getOutputStream();
                out.write(request);
                out.flush();
            } catch (SocketException e) {
                // The server may answer and close before reading everything we send.
            }
            return new String(readUntilClose(socket.getInputStream()), StandardCharsets.ISO_8859_1);
        }
    }

    static byte[] readUntilClose(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                bytes.write(buf, 0, n);
            }
        } catch (SocketException e) {
            // Connection reset after the response: what we read so far is the answer.
        } catch (SocketTimeoutException e) {
            throw new AssertionError("server neither answered nor closed; read so far: "
                    + bytes.toString(StandardCharsets.ISO_8859_1), e);
        }
        return bytes.toByteArray();
    }

    /** Reads one response with a content-length body from {@code in}. */
    public static Response readResponse(InputStream in) throws IOException {
        String statusLine = readLine(in);
        if (statusLine == null) {
            return null;
        }
        String[] parts = statusLine.split(" ", 3);
        int status = Integer.parseInt(parts[1]);
        java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
        String line;
        while (!(line = readLine(in)).isEmpty()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
                    line.substring(colon + 1).trim());
        }
        int length = status < 200 ? 0 : Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        return new Response(status, headers, new String(body, StandardCharsets.ISO_8859_1));
    }

    static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            sb.append((char) c);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    /** All status codes found at the start of response lines in {@code text}. */
    static List<Integer> statuses(String text) {
        List<Integer> result = new ArrayList<>();
        int i = 0;
        while ((i = text.indexOf("HTTP/1.1 ", i)) >= 0) {
            result.add(Integer.parseInt(text.substring(i + 9, i + 12)));
            i += 12;
        }
        return result;
    }

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
