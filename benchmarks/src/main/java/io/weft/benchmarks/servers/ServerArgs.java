package io.weft.benchmarks.servers;

/** Argument checks shared by the load-test servers: a usage line and exit code 2 instead of a stack trace. */
final class ServerArgs {

    private ServerArgs() {
    }

    /** Parses {@code PORT THREADS} (extra arguments are the caller's), or exits with a usage line. */
    static int[] portAndThreads(String name, String[] args) {
        try {
            if (args.length >= 2) {
                int port = Integer.parseInt(args[0]);
                int threads = Integer.parseInt(args[1]);
                if (port > 0 && port <= 65535 && threads > 0) {
                    return new int[] {port, threads};
                }
            }
        } catch (NumberFormatException e) {
            // fall through to the usage line
        }
        System.err.println("usage: " + name + " PORT THREADS" + (name.startsWith("Netty") ? " [nio|epoll|io_uring]" : ""));
        System.exit(2);
        throw new AssertionError();
    }
}
