package io.weft.examples.tlv;

import io.weft.bootstrap.Server;
import io.weft.channel.Channel;
import io.weft.codec.checksum.ChecksumDecoder;
import io.weft.codec.checksum.ChecksumEncoder;
import io.weft.codec.checksum.ChecksumType;
import io.weft.codec.compress.GzipDecoder;
import io.weft.codec.compress.GzipEncoder;
import io.weft.codec.frame.LengthFieldFrameDecoder;
import io.weft.codec.frame.LengthFieldPrepender;
import io.weft.examples.Cli;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;

/**
 * Answers every {@link Tlv} record with the same record, its type's high bit set, over frames that are
 * length-prefixed, CRC32C-checked and gzip-compressed: the pipeline of docs/writing-a-codec.md.
 *
 * <p>Usage: {@code TlvServer [port]} (default 8010). Talk to it with {@link TlvClient}.
 */
public final class TlvServer {

    /** Largest frame accepted on the wire: 1 MiB. */
    static final int MAX_FRAME = 1 << 20;
    /** Largest TLV value accepted. */
    static final int MAX_VALUE = Tlv.MAX_VALUE_LENGTH;

    /** Replies to each record; flushes once per batch of reads. */
    static final class ReplyHandler implements Handler {
        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            Tlv request = (Tlv) msg; // a plain object: nothing to release
            ctx.write(new Tlv(request.type() | 0x80, request.value()));
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
            ctx.flush();
        }
    }

    private TlvServer() {
    }

    /**
     * Adds the TLV protocol stack to {@code ch}, then {@code app}. Inbound, head to tail: frame, checksum,
     * gunzip, TLV. Outbound, tail to head: TLV, gzip, checksum, length prefix. Clients and servers use the same.
     */
    public static void initPipeline(Channel ch, Handler app) {
        ch.pipeline()
                .addLast("frame", new LengthFieldFrameDecoder(MAX_FRAME, 4))
                .addLast("prepend", new LengthFieldPrepender(4))
                .addLast("crc-check", new ChecksumDecoder(ChecksumType.CRC32C))
                .addLast("crc-add", new ChecksumEncoder(ChecksumType.CRC32C))
                .addLast("gunzip", new GzipDecoder())
                .addLast("gzip", new GzipEncoder())
                .addLast("tlv-decode", new TlvDecoder(MAX_VALUE))
                .addLast("tlv-encode", new TlvEncoder())
                .addLast("app", app);
    }

    /** Starts the server and blocks until it is closed. */
    public static void main(String[] args) {
        Cli.main("TlvServer [port]   (default 8010; 0 picks a free port)", args, a -> {
            int port = a.atMost(1).port(0, 8010);
            Server server = Server.builder()
                    .childHandler(ch -> initPipeline(ch, new ReplyHandler()))
                    .bind(port);
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
            org.slf4j.LoggerFactory.getLogger(TlvServer.class).info("TLV server listening on {}",
                    server.localAddress());
            server.closeFuture().join();
        });
    }
}
