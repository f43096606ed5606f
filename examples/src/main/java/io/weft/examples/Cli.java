package io.weft.examples;

import java.io.PrintStream;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The command line of the examples: typed, checked arguments and one place that turns a mistake into an error line
 * and a usage line on {@code stderr} with exit status 2 (bad or extra argument, bad port, busy port, missing file,
 * unknown host), and a failure at run time (connection refused, ...) into one error line with status 1, instead
 * of a stack trace.
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     Cli.main("EchoServer [port]", args, a -> serve(a.port(0, 8007)));
 * }
 * }</pre>
 */
public final class Cli {

    /** Exit status of a usage error. */
    public static final int USAGE = 2;
    /** Exit status of a failure at run time. */
    public static final int FAILURE = 1;

    private final String[] args;

    private Cli(String[] args) {
        this.args = args;
    }

    /** What an example does with its checked arguments. */
    @FunctionalInterface
    public interface Body {
        /** Runs the example; returns normally on success. */
        void run(Cli args) throws Exception;
    }

    /** A mistake on the command line; its message says which argument and why. */
    public static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        /** @param message what is wrong, naming the argument */
        public UsageException(String message) {
            super(message);
        }
    }

    /** Runs {@code body}; exits the JVM with the status of {@link #run} unless it is 0. */
    public static void main(String usage, String[] args, Body body) {
        int status = run(usage, args, System.err, body);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * Runs {@code body} with checked arguments and reports a problem on {@code err}.
     *
     * @return 0 on success, {@link #USAGE} for a mistake on the command line or a busy port, {@link #FAILURE}
     *     for a failure at run time
     */
    public static int run(String usage, String[] args, PrintStream err, Body body) {
        if (args.length > 0 && (args[0].equals("-h") || args[0].equals("--help"))) {
            err.println("usage: " + usage);
            return USAGE;
        }
        try {
            body.run(new Cli(args));
            return 0;
        } catch (UsageException e) {
            return usage(err, usage, e.getMessage());
        } catch (Exception e) {
            Throwable cause = e;
            for (int depth = 0; cause != null && depth < 8; depth++, cause = cause.getCause()) {
                if (cause instanceof BindException) {
                    return usage(err, usage, "cannot listen there: " + cause.getMessage()
                            + " (is another server using that port?)");
                }
                if (cause instanceof UnknownHostException) {
                    return usage(err, usage, "unknown host " + cause.getMessage());
                }
                if (cause instanceof ConnectException) {
                    err.println("error: " + cause.getMessage());
                    return FAILURE;
                }
            }
            err.println("error: " + e);
            return FAILURE;
        }
    }

    private static int usage(PrintStream err, String usage, String message) {
        err.println("error: " + message);
        err.println("usage: " + usage);
        return USAGE;
    }

    /** Fails unless there are at most {@code count} arguments. */
    public Cli atMost(int count) throws UsageException {
        if (args.length > count) {
            throw new UsageException("unexpected argument '" + args[count] + "'");
        }
        return this;
    }

    /** Whether argument {@code index} was given. */
    public boolean has(int index) {
        return index < args.length;
    }

    /** Argument {@code index}, or {@code fallback} if absent. */
    public String string(int index, String fallback) {
        return index < args.length ? args[index] : fallback;
    }

    /** Argument {@code index}, which must be present; {@code name} names it in the error. */
    public String required(int index, String name) throws UsageException {
        if (index >= args.length || args[index].isEmpty()) {
            throw new UsageException("missing " + name);
        }
        return args[index];
    }

    /** Argument {@code index} as a TCP/UDP port, 0 to 65535 (0: any free port), or {@code fallback} if absent. */
    public int port(int index, int fallback) throws UsageException {
        return integer(index, "port", fallback, 0, 65_535);
    }

    /** Argument {@code index} as a whole number within {@code [min, max]}, or {@code fallback} if absent. */
    public int integer(int index, String name, int fallback, int min, int max) throws UsageException {
        if (index >= args.length) {
            return fallback;
        }
        String text = args[index];
        int value;
        try {
            value = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("bad " + name + " '" + text + "': not a number");
        }
        if (value < min || value > max) {
            throw new UsageException("bad " + name + " '" + text + "': must be " + min + " to " + max);
        }
        return value;
    }

    /** Argument {@code index} as a host name or address that resolves, or {@code fallback} if absent. */
    public String host(int index, String fallback) throws UsageException {
        String host = string(index, fallback);
        try {
            InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new UsageException("unknown host '" + host + "'");
        }
        return host;
    }

    /** Argument {@code index} as an existing, readable regular file; {@code name} names it in the error. */
    public Path existingFile(int index, String name) throws UsageException {
        Path file = Path.of(required(index, name));
        if (!Files.isRegularFile(file)) {
            throw new UsageException("no such file: " + file);
        }
        if (!Files.isReadable(file)) {
            throw new UsageException("cannot read " + file);
        }
        return file;
    }

    /** Argument {@code index} as a directory (created if missing), or {@code fallback} if absent. */
    public Path directory(int index, String fallback) throws UsageException {
        Path dir = Path.of(string(index, fallback));
        try {
            return Files.createDirectories(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new UsageException("cannot use directory " + dir + ": a file of that name exists");
        } catch (java.nio.file.FileSystemException e) {
            throw new UsageException("cannot use directory " + dir + ": "
                    + (e.getReason() != null ? e.getReason() : e.getMessage()));
        } catch (java.io.IOException e) {
            throw new UsageException("cannot use directory " + dir + ": " + e.getMessage());
        }
    }
}
