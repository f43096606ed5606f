package io.weft.codec.http;

/**
 * How {@link HttpServerCodec} treats slow, idle and pipelining clients. Immutable; {@code with*} methods return a
 * changed copy. Timeouts are loop timers of the connection's own loop; a timeout of 0 turns that one off.
 *
 * <pre>{@code
 * new HttpServerCodec(HttpDecoderConfig.DEFAULT,
 *         HttpServerConfig.DEFAULT.withRequestHeadTimeoutMillis(10_000).withMaxRequestsPerConnection(1000));
 * }</pre>
 *
 * @param requestHeadTimeoutMillis  time from the first byte of a request head (or from the connection's start,
 *                                  for its first request) until the whole head has arrived; then 408 and close
 *                                  (a connection that sent nothing is closed without an answer). Default 30 s.
 * @param bodyReadTimeoutMillis     longest pause between two reads while a request body is incomplete; then 408
 *                                  (or, if the application has already started its answer, a plain close).
 *                                  Default 60 s.
 * @param keepAliveTimeoutMillis    how long a connection may sit idle between requests (no request in progress,
 *                                  no response pending or unsent) before it is closed quietly. Default 60 s.
 * @param maxRequestsPerConnection  requests served on one connection; the last one's response carries
 *                                  {@code connection: close} and the connection then closes. Default 100,000.
 * @param maxPendingResponses       pipelined requests passed on and not yet answered before the codec stops
 *                                  reading; it also stops while the channel is not writable (the client does not
 *                                  read its responses). Reading resumes as responses drain. Default 64.
 */
public record HttpServerConfig(long requestHeadTimeoutMillis, long bodyReadTimeoutMillis,
        long keepAliveTimeoutMillis, int maxRequestsPerConnection, int maxPendingResponses) {

    /** The defaults listed above. */
    public static final HttpServerConfig DEFAULT = new HttpServerConfig(30_000, 60_000, 60_000, 100_000, 64);

    /** Checks the values: timeouts not negative, counts positive. */
    public HttpServerConfig {
        notNegative("requestHeadTimeoutMillis", requestHeadTimeoutMillis);
        notNegative("bodyReadTimeoutMillis", bodyReadTimeoutMillis);
        notNegative("keepAliveTimeoutMillis", keepAliveTimeoutMillis);
        if (maxRequestsPerConnection <= 0) {
            throw new IllegalArgumentException("maxRequestsPerConnection must be positive, was "
                    + maxRequestsPerConnection);
        }
        if (maxPendingResponses <= 0) {
            throw new IllegalArgumentException("maxPendingResponses must be positive, was " + maxPendingResponses);
        }
    }

    private static void notNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative, was " + value);
        }
    }

    /** A copy with another request-head timeout (0: none). */
    public HttpServerConfig withRequestHeadTimeoutMillis(long value) {
        return new HttpServerConfig(value, bodyReadTimeoutMillis, keepAliveTimeoutMillis, maxRequestsPerConnection,
                maxPendingResponses);
    }

    /** A copy with another body-read timeout (0: none). */
    public HttpServerConfig withBodyReadTimeoutMillis(long value) {
        return new HttpServerConfig(requestHeadTimeoutMillis, value, keepAliveTimeoutMillis,
                maxRequestsPerConnection, maxPendingResponses);
    }

    /** A copy with another keep-alive idle timeout (0: none). */
    public HttpServerConfig withKeepAliveTimeoutMillis(long value) {
        return new HttpServerConfig(requestHeadTimeoutMillis, bodyReadTimeoutMillis, value,
                maxRequestsPerConnection, maxPendingResponses);
    }

    /** A copy with another number of requests per connection. */
    public HttpServerConfig withMaxRequestsPerConnection(int value) {
        return new HttpServerConfig(requestHeadTimeoutMillis, bodyReadTimeoutMillis, keepAliveTimeoutMillis, value,
                maxPendingResponses);
    }

    /** A copy with another bound on pipelined requests awaiting their response. */
    public HttpServerConfig withMaxPendingResponses(int value) {
        return new HttpServerConfig(requestHeadTimeoutMillis, bodyReadTimeoutMillis, keepAliveTimeoutMillis,
                maxRequestsPerConnection, value);
    }

    /** The shortest enabled timeout, or 0 if all are off: how often a connection's timer looks at least. */
    long shortestTimeoutMillis() {
        return Math.min(enabled(requestHeadTimeoutMillis),
                Math.min(enabled(bodyReadTimeoutMillis), enabled(keepAliveTimeoutMillis))) % Long.MAX_VALUE;
    }

    private static long enabled(long timeout) {
        return timeout == 0 ? Long.MAX_VALUE : timeout;
    }
}
