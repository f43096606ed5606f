package io.weft.benchmarks.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.weft.benchmarks.NettyTransport;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The Netty 4.2 twin of {@code io.weft.examples.http.HttpHelloServer} for the wrk comparison in
 * {@code benchmarks/http-wrk.sh}: same routes, same response headers and bodies, same thread count, same
 * flush-per-read-batch policy, the idiomatic {@link HttpServerCodec} + {@link HttpServerKeepAliveHandler}
 * pipeline.
 *
 * <p>Usage: {@code NettyHelloServer [port [threads [transport]]]} with transport {@code nio} (default),
 * {@code epoll} or {@code io_uring}.
 */
public final class NettyHelloServer {

    private static final byte[] PLAINTEXT = "Hello, World!".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON = "{\"message\":\"Hello, World!\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NOT_FOUND = "Not Found\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NOT_ALLOWED = "Method Not Allowed\n".getBytes(StandardCharsets.US_ASCII);
    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH);
    private static volatile long second = -1;
    private static volatile String date = "";

    private NettyHelloServer() {
    }

    static String date() {
        long s = System.currentTimeMillis() / 1000;
        if (s != second) {
            date = FORMAT.format(ZonedDateTime.ofInstant(Instant.ofEpochSecond(s), ZoneOffset.UTC));
            second = s;
        }
        return date;
    }

    /** Answers each request as it arrives and flushes once per read batch. */
    static final class HelloHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request) {
                ctx.write(respond(ctx, request));
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    static FullHttpResponse respond(ChannelHandlerContext ctx, HttpRequest request) {
        String uri = request.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        byte[] body;
        String type;
        HttpResponseStatus status = HttpResponseStatus.OK;
        if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
            status = HttpResponseStatus.METHOD_NOT_ALLOWED;
            body = NOT_ALLOWED;
            type = "text/plain";
        } else if (path.equals("/plaintext")) {
            body = PLAINTEXT;
            type = "text/plain";
        } else if (path.equals("/json")) {
            body = JSON;
            type = "application/json";
        } else {
            status = HttpResponseStatus.NOT_FOUND;
            body = NOT_FOUND;
            type = "text/plain";
        }
        ByteBuf content = ctx.alloc().buffer(body.length).writeBytes(body);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content, false);
        HttpHeaders h = response.headers();
        h.add(HttpHeaderNames.CONTENT_TYPE, type);
        h.add(HttpHeaderNames.CONTENT_LENGTH, body.length);
        h.add(HttpHeaderNames.SERVER, "nety");
        h.add(HttpHeaderNames.DATE, date());
        return response;
    }

    /** Starts the server and blocks until it is closed. */
    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8081;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        NettyTransport transport = NettyTransport.of(args.length > 2 ? args[2] : "nio");
        EventLoopGroup boss = transport.group(1);
        EventLoopGroup workers = transport.group(threads);
        try {
            Channel server = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast("http", new HttpServerCodec())
                                    .addLast("keepAlive", new HttpServerKeepAliveHandler())
                                    .addLast("hello", new HelloHandler());
                        }
                    })
                    .bind("0.0.0.0", port).sync().channel();
            System.err.println("Netty " + transport.label() + " hello server listening on " + server.localAddress()
                    + " with " + threads + " loops");
            server.closeFuture().sync();
        } finally {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
        }
    }
}
