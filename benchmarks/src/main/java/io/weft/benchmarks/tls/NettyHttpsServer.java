package io.weft.benchmarks.tls;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import io.weft.benchmarks.NettyTransport;
import java.io.File;
import java.util.List;
import javax.net.ssl.SSLSession;

/**
 * The Netty 4.2 twin of {@link WeftHttpsServer}: the same routes and TLS configuration behind Netty's
 * {@code SslHandler}, on the JDK provider or on BoringSSL ({@code netty-tcnative-boringssl-static}), the idiomatic
 * {@link HttpServerCodec} + {@link HttpServerKeepAliveHandler} pipeline.
 *
 * <p>Usage: {@code NettyHttpsServer PORT THREADS jdk|boringssl CERT.pem KEY.pem [nio|epoll|io_uring]}; binds
 * 127.0.0.1.
 */
public final class NettyHttpsServer {

    /** Answers each request as it arrives, flushes once per read batch. */
    static final class Routes extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request) {
                boolean bulk = request.uri().equals("/bulk");
                byte[] body = bulk ? HttpsRoutes.BULK : HttpsRoutes.PLAINTEXT;
                ByteBuf content = ctx.alloc().buffer(body.length).writeBytes(body);
                FullHttpResponse response =
                        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, content, false);
                HttpHeaders h = response.headers();
                h.add(HttpHeaderNames.CONTENT_TYPE, bulk ? "application/octet-stream" : "text/plain");
                h.add(HttpHeaderNames.CONTENT_LENGTH, body.length);
                h.add(HttpHeaderNames.SERVER, "netty");
                h.add(HttpHeaderNames.DATE, HttpsRoutes.date());
                ctx.write(response);
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e && e.isSuccess()) {
                SSLSession session = ctx.pipeline().get(SslHandler.class).engine().getSession();
                HttpsRoutes.logHandshake(session.getProtocol(), session.getCipherSuite());
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private NettyHttpsServer() {
    }

    /** Starts the server and blocks until the process is killed. */
    public static void main(String[] args) throws Exception {
        if (args.length < 5 || args.length > 6 || !(args[2].equals("jdk") || args[2].equals("boringssl"))) {
            System.err.println("usage: NettyHttpsServer PORT THREADS jdk|boringssl CERT.pem KEY.pem [nio|epoll|io_uring]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        int threads = Integer.parseInt(args[1]);
        SslProvider provider = args[2].equals("jdk") ? SslProvider.JDK : SslProvider.OPENSSL;
        if (provider == SslProvider.OPENSSL && !OpenSsl.isAvailable()) {
            throw new IllegalStateException("BoringSSL is not available: " + OpenSsl.unavailabilityCause());
        }
        SslContext ssl = SslContextBuilder.forServer(new File(args[3]), new File(args[4]))
                .sslProvider(provider)
                .protocols(HttpsRoutes.PROTOCOL)
                .ciphers(List.of(HttpsRoutes.CIPHER))
                .build();
        NettyTransport transport = NettyTransport.of(args.length > 5 ? args[5] : "nio");
        EventLoopGroup boss = transport.group(1);
        EventLoopGroup workers = transport.group(threads);
        Channel server = new ServerBootstrap().group(boss, workers).channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("tls", ssl.newHandler(ch.alloc()))
                                .addLast("http", new HttpServerCodec())
                                .addLast("keepAlive", new HttpServerKeepAliveHandler())
                                .addLast("routes", new Routes());
                    }
                })
                .bind("127.0.0.1", port).sync().channel();
        System.err.println("Netty " + transport.label() + " HTTPS server (" + provider + ") listening on "
                + server.localAddress() + " with " + threads + " loops");
        server.closeFuture().sync();
    }
}
