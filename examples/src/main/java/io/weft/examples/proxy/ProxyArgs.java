package io.weft.examples.proxy;

import io.weft.balance.Backend;
import io.weft.balance.BackendSet;
import io.weft.balance.BalanceStrategy;
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

    /**
     * Parses the arguments.
     *
     * @throws IllegalArgumentException with a message fit for the user if they are wrong
     */
    static ProxyArgs parse(String[] args) {
        if (args.length < 3) {
            throw new IllegalArgumentException("expected a port, a strategy and at least one backend");
        }
        int port;
        try {
            port = Integer.parseInt(args[0]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port '" + args[0] + "' is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range");
        }
        BackendSet backends = new BackendSet(BalanceStrategy.named(args[1]));
        for (int i = 2; i < args.length; i++) {
            backends.add(args[i]);
        }
        return new ProxyArgs(port, backends);
    }

    /** Parses, or prints the usage line with the reason and exits with status 2. */
    static ProxyArgs parseOrExit(String[] args, String className) {
        try {
            return parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println("usage: " + className + " PORT STRATEGY HOST:PORT[,WEIGHT]...");
            System.err.println("       STRATEGY: round-robin | weighted | least-connections | power-of-two");
            System.exit(2);
            return null;
        }
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
