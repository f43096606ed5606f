package io.weft.codec.tls;

/**
 * A handshake could not go on because the delegated-task executor refused its tasks (its bounded queue was full
 * or it was shut down): the server is overloaded with handshakes. Only this connection fails; see
 * {@link TlsTaskExecutor}.
 */
public class TlsTaskRejectedException extends TlsHandshakeException {

    /**
     * @param message what was refused, naming the executor's bound
     * @param cause   the executor's {@link java.util.concurrent.RejectedExecutionException}
     */
    public TlsTaskRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
