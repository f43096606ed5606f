package io.weft.examples.http;

import io.weft.bootstrap.Client;
import io.weft.buffer.ReferenceCounted;
import io.weft.channel.TcpChannel;
import io.weft.codec.http.FullHttpResponse;
import io.weft.codec.http.HttpClientCodec;
import io.weft.codec.http.HttpHeaderNames;
import io.weft.codec.http.HttpMethod;
import io.weft.codec.http.HttpObjectAggregator;
import io.weft.codec.http.HttpRequest;
import io.weft.codec.http.HttpVersion;
import io.weft.codec.http.LastHttpContent;
import io.weft.examples.Cli;
import io.weft.loop.EventLoopGroup;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Fetches a URL with a plain-HTTP GET and prints the status and body: {@link HttpClientCodec} encodes the
 * request and decodes the response, {@link HttpObjectAggregator} hands over the whole response at once.
 *
 * <p>Usage: {@code HttpGetClient http://127.0.0.1:8080/plaintext}.
 */
public final class HttpGetClient {

    /** What a fetch returns. */
    public record Result(int status, String contentType, String body) {
    }

    private HttpGetClient() {
    }

    /** GETs {@code url} (http only) on {@code group}; the future completes with the response. */
    public static CompletableFuture<Result> fetch(EventLoopGroup group, URI url) {
        if (!"http".equalsIgnoreCase(url.getScheme())) {
            throw new IllegalArgumentException("only http:// URLs are supported: " + url);
        }
        int port = url.getPort() < 0 ? 80 : url.getPort();
        String target = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
                + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        CompletableFuture<Result> result = new CompletableFuture<>();
        Client.builder().group(group)
                .handler(ch -> ch.pipeline()
                        .addLast("http", new HttpClientCodec())
                        .addLast("aggregate", new HttpObjectAggregator(64 << 20))
                        .addLast("result", new Handler() {
                            @Override
                            public void channelRead(HandlerContext ctx, Object msg) {
                                if (msg instanceof FullHttpResponse r) {
                                    result.complete(new Result(r.status().code(),
                                            r.headers().get(HttpHeaderNames.CONTENT_TYPE),
                                            r.content().toString(StandardCharsets.UTF_8)));
                                    ctx.close();
                                }
                                ReferenceCounted.safeRelease(msg);
                            }

                            @Override
                            public void exceptionCaught(HandlerContext ctx, Throwable cause) {
                                result.completeExceptionally(cause);
                                ctx.close();
                            }

                            @Override
                            public void channelInactive(HandlerContext ctx) {
                                result.completeExceptionally(new IllegalStateException("connection closed"));
                            }
                        }))
                .connect(url.getHost(), port)
                .whenComplete((TcpChannel ch, Throwable t) -> {
                    if (t != null) {
                        result.completeExceptionally(t);
                        return;
                    }
                    HttpRequest request = new HttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, target);
                    request.headers().add(HttpHeaderNames.HOST, url.getHost() + (url.getPort() < 0 ? "" : ":" + port));
                    request.headers().add(HttpHeaderNames.USER_AGENT, "weft-example");
                    ch.write(request);
                    ch.writeAndFlush(LastHttpContent.EMPTY);
                });
        return result;
    }

    /** Fetches the URL given as the first argument and prints status and body. */
    public static void main(String[] args) {
        Cli.main("HttpGetClient [http://host[:port]/path]   (default http://127.0.0.1:8080/plaintext)", args, a -> {
            String text = a.atMost(1).string(0, "http://127.0.0.1:8080/plaintext");
            URI url;
            try {
                url = new URI(text);
            } catch (java.net.URISyntaxException e) {
                throw new Cli.UsageException("bad URL '" + text + "': " + e.getMessage());
            }
            if (!"http".equalsIgnoreCase(url.getScheme()) || url.getHost() == null) {
                throw new Cli.UsageException("bad URL '" + text + "': expected http://host[:port]/path");
            }
            try {
                java.net.InetAddress.getByName(url.getHost());
            } catch (java.net.UnknownHostException e) {
                throw new Cli.UsageException("unknown host '" + url.getHost() + "'");
            }
            try (EventLoopGroup group = new EventLoopGroup(1)) {
                Result result = fetch(group, url).get(30, TimeUnit.SECONDS);
                System.out.println("HTTP " + result.status() + " (" + result.contentType() + ")");
                System.out.println(result.body());
            }
        });
    }
}
