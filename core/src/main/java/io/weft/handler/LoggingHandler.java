package io.weft.handler;

import io.weft.buffer.Buffer;
import io.weft.channel.Datagram;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Logs every event that passes through it, with a hex dump of each {@link Buffer} (or {@link Datagram} payload), and
 * passes everything on unchanged. For troubleshooting: put it where you want to look, for example first in the
 * pipeline to see the bytes on the wire, or after a decoder to see its messages.
 *
 * <pre>{@code
 * ch.pipeline().addFirst("wire", new LoggingHandler(Level.DEBUG));
 * }</pre>
 *
 * <p>Logs go to SLF4J, at {@link Level#DEBUG} unless another level is given, under the logger
 * {@code io.weft.handler.LoggingHandler} unless another is given. Nothing is formatted while that level is
 * disabled. Dumps show at most {@code maxDumpBytes} bytes of each buffer (4096 by default); reading the bytes does
 * not move the buffer's indexes.
 *
 * <p>Stateless and {@link Handler.Sharable sharable}: one instance may be added to many pipelines.
 */
@Handler.Sharable
public class LoggingHandler implements Handler {

    /** The default number of bytes dumped per buffer. */
    public static final int DEFAULT_MAX_DUMP_BYTES = 4096;

    private final Logger logger;
    private final Level level;
    private final int maxDumpBytes;

    /** Logs at {@code DEBUG} under {@code io.weft.handler.LoggingHandler}. */
    public LoggingHandler() {
        this(Level.DEBUG);
    }

    /** Logs at {@code level} under {@code io.weft.handler.LoggingHandler}. */
    public LoggingHandler(Level level) {
        this(LoggerFactory.getLogger(LoggingHandler.class), level, DEFAULT_MAX_DUMP_BYTES);
    }

    /** Logs at {@code level} under the logger named {@code loggerName}. */
    public LoggingHandler(String loggerName, Level level) {
        this(LoggerFactory.getLogger(loggerName), level, DEFAULT_MAX_DUMP_BYTES);
    }

    /**
     * @param logger       where to log
     * @param level        the level of every line
     * @param maxDumpBytes the most bytes of one buffer to dump (0: log sizes only)
     */
    public LoggingHandler(Logger logger, Level level, int maxDumpBytes) {
        if (logger == null || level == null) {
            throw new NullPointerException(logger == null ? "logger" : "level");
        }
        if (maxDumpBytes < 0) {
            throw new IllegalArgumentException("maxDumpBytes must not be negative, was " + maxDumpBytes);
        }
        this.logger = logger;
        this.level = level;
        this.maxDumpBytes = maxDumpBytes;
    }

    /** The level this handler logs at. */
    public Level level() {
        return level;
    }

    private boolean enabled() {
        return logger.isEnabledForLevel(level);
    }

    private void log(HandlerContext ctx, String event) {
        String line = ctx.channel() + " " + event;
        switch (level) {
            case ERROR -> logger.error(line);
            case WARN -> logger.warn(line);
            case INFO -> logger.info(line);
            case DEBUG -> logger.debug(line);
            default -> logger.trace(line);
        }
    }

    private void log(HandlerContext ctx, String event, Throwable cause) {
        String line = ctx.channel() + " " + event;
        switch (level) {
            case ERROR -> logger.error(line, cause);
            case WARN -> logger.warn(line, cause);
            case INFO -> logger.info(line, cause);
            case DEBUG -> logger.debug(line, cause);
            default -> logger.trace(line, cause);
        }
    }

    /** Describes {@code msg} for the log: a buffer or datagram as its size and hex dump, anything else by toString. */
    String describe(Object msg) {
        if (msg instanceof Buffer buffer) {
            return HexDump.dump(buffer, maxDumpBytes);
        }
        if (msg instanceof Datagram datagram) {
            return (datagram.sender() == null ? "" : datagram.sender() + " -> ") + datagram.recipient() + " "
                    + HexDump.dump(datagram.content(), maxDumpBytes);
        }
        return String.valueOf(msg);
    }

    @Override
    public void handlerAdded(HandlerContext ctx) {
        if (enabled()) {
            log(ctx, "HANDLER ADDED as '" + ctx.name() + "'");
        }
    }

    @Override
    public void channelActive(HandlerContext ctx) {
        if (enabled()) {
            log(ctx, "ACTIVE");
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(HandlerContext ctx) {
        if (enabled()) {
            log(ctx, "INACTIVE");
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(HandlerContext ctx, Object msg) {
        if (enabled()) {
            log(ctx, "READ " + describe(msg));
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(HandlerContext ctx) {
        if (enabled()) {
            log(ctx, "READ COMPLETE");
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void writabilityChanged(HandlerContext ctx) {
        if (enabled()) {
            log(ctx, "WRITABILITY CHANGED: writable=" + ctx.channel().isWritable());
        }
        ctx.fireWritabilityChanged();
    }

    @Override
    public void userEvent(HandlerContext ctx, Object event) {
        if (enabled()) {
            log(ctx, "USER EVENT " + event);
        }
        ctx.fireUserEvent(event);
    }

    @Override
    public void exceptionCaught(HandlerContext ctx, Throwable cause) {
        if (enabled()) {
            log(ctx, "EXCEPTION " + cause, cause);
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) {
        if (enabled()) {
            log(ctx, "WRITE " + describe(msg));
        }
        ctx.write(msg, promise);
    }

    @Override
    public void flush(HandlerContext ctx) {
        if (enabled()) {
            log(ctx, "FLUSH");
        }
        ctx.flush();
    }

    @Override
    public void read(HandlerContext ctx) {
        if (enabled()) {
            log(ctx, "READ REQUEST");
        }
        ctx.read();
    }

    @Override
    public void close(HandlerContext ctx, CompletableFuture<Void> promise) {
        if (enabled()) {
            log(ctx, "CLOSE");
        }
        ctx.close(promise);
    }

    @Override
    public void shutdownOutput(HandlerContext ctx, CompletableFuture<Void> promise) {
        if (enabled()) {
            log(ctx, "SHUTDOWN_OUTPUT");
        }
        ctx.shutdownOutput(promise);
    }
}
