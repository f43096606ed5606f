package io.weft.examples.proxy;

import io.weft.balance.Backend;
import io.weft.balance.BackendSet;
import io.weft.balance.BalanceStrategy;
import io.weft.examples.Cli;
import io.weft.loop.EventLoop;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * The command line both proxy examples share: {@code PORT STRATEGY HOST:PORT[,WEIGHT]...}, and the periodic
 * report of where connections went.
 */
final class ProxyArgs {

    final int port;
    final BackendSet backends;

    private ProxyArgs(int port, BackendSet backends) {
        this.port = port;
        this.backends = backends;
    }

    /** The usage line both examples print (after their class name). */
    static final String USAGE = "PORT STRATEGY HOST:PORT[,WEIGHT]...\n"
            + "       STRATEGY: round-robin | weighted | least-connections | power-of-two";

    /**
     * Parses the arguments: a port, a strategy name and at least one backend whose host resolves.
     *
     * @throws Cli.UsageException naming the argument that is wrong
     */
    static ProxyArgs parse(Cli a) throws Cli.UsageException {
        a.required(0, "PORT");
        int port = a.port(0, 0);
        String strategy = a.required(1, "STRATEGY");
        if (!a.has(2)) {
            throw new Cli.UsageException("missing HOST:PORT[,WEIGHT] (at least one backend)");
        }
        BackendSet backends;
        try {
            backends = new BackendSet(BalanceStrategy.named(strategy));
        } catch (IllegalArgumentException e) {
            throw new Cli.UsageException(e.getMessage());
        }
        for (int i = 2; a.has(i); i++) {
            String spec = a.string(i, null);
            Backend backend;
            try {
                backend = backends.add(spec);
            } catch (IllegalArgumentException e) {
                throw new Cli.UsageException(e.getMessage());
            }
            if (backend.address().isUnresolved()) {
                throw new Cli.UsageException("unknown host '" + backend.address().getHostString() + "' in '" + spec
                        + "'");
            }
        }
        return new ProxyArgs(port, backends);
    }

    /** Logs one line per backend every {@code seconds} on {@code loop}: state, connections, bytes. */
    static void reportEvery(EventLoop loop, int seconds, BackendSet backends, Logger log) {
        loop.schedule(() -> {
            report(backends, log);
            reportEvery(loop, seconds, backends, log);
        }, seconds, TimeUnit.SECONDS);
    }

    static void report(BackendSet backends, Logger log) {
        List<Backend> all = backends.backends();
        long total = all.stream().mapToLong(Backend::totalConnections).sum();
        for (Backend b : all) {
            long n = b.totalConnections();
            int bar = total == 0 ? 0 : (int) Math.round(40.0 * n / total);
            log.info(String.format("%-21s w=%-3d %-8s %6d (%5.1f %%) %s active=%d in=%d out=%d",
                    b.address().getHostString() + ":" + b.address().getPort(), b.weight(), b.state(), n,
                    total == 0 ? 0.0 : 100.0 * n / total, "#".repeat(bar), b.activeConnections(),
                    b.bytesToBackend(), b.bytesFromBackend()));
        }
    }

    private ProxyArgs() {
        throw new AssertionError();
    }
}
