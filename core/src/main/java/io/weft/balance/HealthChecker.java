package io.weft.balance;

import io.weft.buffer.Buffer;
import io.weft.channel.ChannelOption;
import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoop;
import io.weft.loop.EventLoopGroup;
import io.weft.loop.ScheduledTask;
import io.weft.pipeline.Handler;
import io.weft.pipeline.HandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link HealthCheck} against every backend of a {@link BackendSet}, including backends added later, on
 * loop timers (no thread of its own). Each backend is checked on one loop of {@code group}, one attempt at a time;
 * the first check of each backend starts at a random point of the first interval so checks of many backends do
 * not go out together.
 *
 * <pre>{@code
 * HealthChecker checker = HealthChecker.start(backends, HealthCheck.http("/health"), group);
 * ...
 * checker.close();
 * }</pre>
 *
 * <p>A backend that fails {@code fall} checks in a row is marked down (one WARN line); after {@code rise} good
 * checks in a row it is up again (one INFO line). Individual failed attempts are DEBUG.
 */
public final class HealthChecker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);
    private static final int MAX_STATUS_LINE = 1024;

    private final BackendSet backends;
    private final HealthCheck check;
    private final EventLoopGroup group;
    private volatile boolean closed;
    private final Set<Backend> watched = ConcurrentHashMap.newKeySet();
    private final Runnable stopWatching;

    private HealthChecker(BackendSet backends, HealthCheck check, EventLoopGroup group) {
        this.backends = backends;
        this.check = check;
        this.group = group;
        this.stopWatching = backends.onAdd(this::watch); // last: watch() needs the fields above
    }

    /** Starts checking every present and future member of {@code backends} on loops of {@code group}. */
    public static HealthChecker start(BackendSet backends, HealthCheck check, EventLoopGroup group) {
        HealthChecker checker = new HealthChecker(backends, check, group);
        for (Backend backend : backends.backends()) {
            checker.watch(backend);
        }
        return checker;
    }

    /** The check being run. */
    public HealthCheck check() {
        return check;
    }

    /** Stops scheduling checks; attempts in flight finish without effect. Backends keep their last state. */
    @Override
    public void close() {
        closed = true;
        stopWatching.run();
    }

    private void watch(Backend backend) {
        if (closed || !watched.add(backend)) {
            return; // closed, or already watched (added while start() took its snapshot)
        }
        Watch watch = new Watch(backend, group.next());
        long first = (long) (ThreadLocalRandom.current().nextDouble() * check.interval().toNanos());
        try {
            watch.loop.execute(() -> watch.schedule(first));
        } catch (RejectedExecutionException e) {
            log.debug("not checking {}: the event loops are shutting down", backend.address());
        }
    }

    /** The check state of one backend, confined to its loop. */
    private final class Watch {
        final Backend backend;
        final EventLoop loop;
        int successes;
        int failures;

        Watch(Backend backend, EventLoop loop) {
            this.backend = backend;
            this.loop = loop;
        }

        void schedule(long delayNanos) {
            if (closed || backend.isRemoved() || loop.isShuttingDown()) {
                watched.remove(backend); // the watch ends here
                return;
            }
            loop.schedule(this::attempt, delayNanos, TimeUnit.NANOSECONDS);
        }

        void scheduleNext() {
            long interval = check.interval().toNanos();
            long spread = (long) (interval * check.jitter());
            long delay = interval + (spread == 0 ? 0 : ThreadLocalRandom.current().nextLong(-spread, spread + 1));
            schedule(Math.max(1, delay));
        }

        void attempt() {
            if (closed || backend.isRemoved()) {
                watched.remove(backend);
                return;
            }
            new Attempt().start();
        }

        /** Counts the outcome of one attempt, on the loop. */
        void record(boolean ok, String why) {
            if (closed) {
                return;
            }
            if (ok) {
                failures = 0;
                successes++;
                if (!backend.isHealthy() && successes >= check.rise()) {
                    backend.setHealthy(true);
                    log.info("backend {} is UP after {} good health checks", backend.address(), successes);
                }
            } else {
                successes = 0;
                failures++;
                log.debug("health check of {} failed: {}", backend.address(), why);
                if (backend.isHealthy() && failures >= check.fall()) {
                    backend.setHealthy(false);
                    log.warn("backend {} is DOWN after {} failed health checks (last: {})", backend.address(),
                            failures, why);
                }
            }
            scheduleNext();
        }

        /** One check: its connection, its timeout and whether it has been counted. All on the loop. */
        final class Attempt {
            private boolean done;
            private ScheduledTask timeout;
            private TcpChannel channel;

            void start() {
                int timeoutMillis = (int) Math.max(1, check.timeout().toMillis());
                timeout = loop.schedule(() -> done(false, "timed out after " + timeoutMillis + " ms"),
                        timeoutMillis, TimeUnit.MILLISECONDS);
                Map<ChannelOption<?>, Object> options = Map.of(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMillis);
                TcpChannel.connect(loop, backend.address(), options, ch -> {
                    if (check.kind() == HealthCheck.Kind.HTTP) {
                        ch.pipeline().addLast("health-check", new StatusLineReader());
                    }
                }).whenComplete((ch, error) -> loop.execute(() -> connected(ch, error)));
            }

            private void connected(TcpChannel ch, Throwable error) {
                if (error != null) {
                    done(false, "connect failed: " + error.getMessage());
                    return;
                }
                channel = ch;
                if (done) {
                    ch.close();
                } else if (check.kind() == HealthCheck.Kind.TCP) {
                    done(true, null);
                }
            }

            /** The first call counts; later ones (a timeout racing the answer) are ignored. */
            void done(boolean ok, String why) {
                if (done) {
                    return;
                }
                done = true;
                timeout.cancel();
                if (channel != null) {
                    channel.close();
                }
                record(ok, why);
            }

            /** Sends {@code GET path} and reads the status line. */
            final class StatusLineReader implements Handler {
                private final byte[] line = new byte[MAX_STATUS_LINE];
                private int length;

                @Override
                public void channelActive(HandlerContext ctx) {
                    String host = backend.address().getHostString();
                    if (host.indexOf(':') >= 0) {
                        host = "[" + host + "]";
                    }
                    byte[] request = ("GET " + check.path() + " HTTP/1.1\r\nHost: " + host + ":"
                            + backend.address().getPort() + "\r\nUser-Agent: weft-health-check\r\n"
                            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                    Buffer buffer = ctx.alloc().allocate(request.length);
                    buffer.writeBytes(request);
                    ctx.writeAndFlush(buffer);
                }

                @Override
                public void channelRead(HandlerContext ctx, Object msg) {
                    Buffer buffer = (Buffer) msg;
                    try {
                        while (buffer.isReadable() && !done) {
                            byte b = buffer.readByte();
                            if (b == '\n') {
                                statusLine();
                                return;
                            }
                            if (length == line.length) {
                                done(false, "status line longer than " + MAX_STATUS_LINE + " bytes");
                                return;
                            }
                            line[length++] = b;
                        }
                    } finally {
                        buffer.release();
                    }
                }

                private void statusLine() {
                    String text = new String(line, 0, length, StandardCharsets.ISO_8859_1).trim();
                    // HTTP/1.x SP 3DIGIT [SP reason]
                    boolean ok = text.length() >= 12 && text.startsWith("HTTP/1.") && text.charAt(8) == ' '
                            && text.charAt(9) == '2' && Character.isDigit(text.charAt(10))
                            && Character.isDigit(text.charAt(11)) && (text.length() == 12 || text.charAt(12) == ' ');
                    done(ok, ok ? null : "answered '" + text + "'");
                }

                @Override
                public void channelInactive(HandlerContext ctx) {
                    done(false, "closed before a status line");
                }

                @Override
                public void exceptionCaught(HandlerContext ctx, Throwable cause) {
                    done(false, cause.toString());
                    ctx.close();
                }
            }
        }
    }
}
