package io.weft.codec.http.ops;

import io.weft.codec.http.FullHttpResponse;
import io.weft.codec.http.HttpRequest;
import io.weft.codec.http.HttpResponseStatus;
import io.weft.pipeline.HandlerContext;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Enforces a {@link BasicAuth} policy on one HTTP connection; see there. Requests that pass continue down the
 * pipeline unchanged; {@link #user()} tells the application who sent the last one.
 */
public final class BasicAuthHandler extends HttpInterceptor {

    private static final HttpResponseStatus UNAUTHORIZED = HttpResponseStatus.valueOf(401, "Unauthorized");
    private static final Pattern TOKEN68 = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");
    private static final String TEXT = "text/plain; charset=utf-8";

    private final BasicAuth auth;
    private String user;

    BasicAuthHandler(BasicAuth auth) {
        this.auth = auth;
    }

    /**
     * The user of the last request that passed with Basic credentials on this connection, {@code null} if it
     * passed as exempt or with a bearer token. Read on the channel's loop.
     */
    public String user() {
        return user;
    }

    @Override
    FullHttpResponse intercept(HandlerContext ctx, HttpRequest request) {
        user = null;
        if (auth.isExempt(request.path())) {
            return null;
        }
        List<String> values = request.headers().getAll("authorization");
        if (values.isEmpty()) {
            auth.rejected.increment();
            return challenge(ctx, UNAUTHORIZED, null);
        }
        if (values.size() > 1) {
            return malformed(ctx);
        }
        String value = values.get(0).trim();
        int space = value.indexOf(' ');
        if (space <= 0) {
            return malformed(ctx);
        }
        String scheme = value.substring(0, space);
        String param = value.substring(space + 1).trim();
        if (scheme.equalsIgnoreCase("Basic") && auth.credentials() != null) {
            return basic(ctx, param);
        }
        if (scheme.equalsIgnoreCase("Bearer") && auth.bearer() != null) {
            return bearer(ctx, param);
        }
        return malformed(ctx); // a scheme we do not accept
    }

    private FullHttpResponse basic(HandlerContext ctx, String param) {
        if (!TOKEN68.matcher(param).matches()) {
            return malformed(ctx);
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(param);
        } catch (IllegalArgumentException e) {
            return malformed(ctx);
        }
        int colon = indexOf(decoded, (byte) ':');
        if (colon < 0) {
            Arrays.fill(decoded, (byte) 0);
            return malformed(ctx);
        }
        String name;
        byte[] password = Arrays.copyOfRange(decoded, colon + 1, decoded.length);
        try {
            name = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(decoded, 0, colon)).toString();
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(password));
        } catch (CharacterCodingException e) {
            wipe(decoded, password);
            return malformed(ctx);
        }
        if (hasControl(name)) {
            wipe(decoded, password);
            return malformed(ctx);
        }
        boolean ok;
        try {
            ok = auth.credentials().verify(name, password);
        } finally {
            wipe(decoded, password);
        }
        if (!ok) {
            auth.rejected.increment();
            return challenge(ctx, UNAUTHORIZED, null);
        }
        auth.authenticated.increment();
        user = name;
        return null;
    }

    private FullHttpResponse bearer(HandlerContext ctx, String token) {
        if (!TOKEN68.matcher(token).matches()) {
            auth.malformed.increment();
            return challenge(ctx, HttpResponseStatus.BAD_REQUEST, "invalid_request");
        }
        if (!auth.bearer().verify(token)) {
            auth.rejected.increment();
            return challenge(ctx, UNAUTHORIZED, "invalid_token");
        }
        auth.authenticated.increment();
        return null;
    }

    private FullHttpResponse malformed(HandlerContext ctx) {
        auth.malformed.increment();
        return challenge(ctx, UNAUTHORIZED, null);
    }

    private FullHttpResponse challenge(HandlerContext ctx, HttpResponseStatus status, String bearerError) {
        FullHttpResponse r = response(ctx, status, TEXT, status.code() + " " + status.reasonPhrase() + "\n");
        if (auth.basicChallenge() != null) {
            r.headers().add("www-authenticate", auth.basicChallenge());
        }
        if (auth.bearerChallenge() != null) {
            r.headers().add("www-authenticate", bearerError == null
                    ? auth.bearerChallenge() : auth.bearerChallenge() + ", error=\"" + bearerError + "\"");
        }
        return r;
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return true;
            }
        }
        return false;
    }

    private static void wipe(byte[] a, byte[] b) {
        Arrays.fill(a, (byte) 0);
        Arrays.fill(b, (byte) 0);
    }
}
