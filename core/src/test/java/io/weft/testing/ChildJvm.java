package io.weft.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A second JVM running a test {@code main} class on this JVM's class path, for faults that must not touch the test
 * JVM itself (a lowered file-descriptor limit, a tiny direct-memory limit). Commands go to its standard input one
 * line at a time; its standard output is read line by line with deadlines; its standard error is kept for the
 * failure message.
 */
public final class ChildJvm implements AutoCloseable {

    private final Process process;
    private final PrintWriter in;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer stderr = new StringBuffer();

    private ChildJvm(Process process) {
        this.process = process;
        this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        pump(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), true);
        pump(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)), false);
    }

    /**
     * Starts {@code main} in a new JVM.
     *
     * @param fdLimit  the child's open-file limit ({@code ulimit -n}), or 0 to inherit
     * @param jvmArgs  extra JVM options, for example {@code -XX:MaxDirectMemorySize=8m}
     */
    public static ChildJvm start(Class<?> main, int fdLimit, List<String> jvmArgs, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("-Xmx256m");
        command.add("-XX:+UseSerialGC");
        command.add("-Dweft.leakDetection=strict");
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(classPath);
        command.add(main.getName());
        command.addAll(List.of(args));
        if (fdLimit > 0) {
            List<String> shell = new ArrayList<>(List.of("bash", "-c", "ulimit -n " + fdLimit + " && exec \"$@\"", "child"));
            shell.addAll(command);
            command = shell;
        }
        return new ChildJvm(new ProcessBuilder(command).start());
    }

    private void pump(BufferedReader reader, boolean out) {
        Thread thread = new Thread(() -> {
            try {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (out) {
                        lines.add(line);
                    } else {
                        stderr.append(line).append('\n');
                    }
                }
            } catch (IOException ignored) {
                // The child ended.
            }
        }, "child-jvm-" + (out ? "out" : "err"));
        thread.setDaemon(true);
        thread.start();
    }

    /** Sends one command line to the child. */
    public void send(String command) {
        in.println(command);
    }

    /** The next line the child prints starting with {@code prefix}; other lines are skipped. */
    public String expect(String prefix, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("child printed no line starting with '" + prefix + "' within " + timeout
                        + " " + unit + (process.isAlive() ? "" : " (exited " + process.exitValue() + ")")
                        + "; stderr:\n" + stderr);
            }
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length()).trim();
            }
        }
    }

    /** Sends {@code command} and returns the answer line that starts with {@code prefix}. */
    public String ask(String command, String prefix) throws InterruptedException {
        send(command);
        return expect(prefix, 30, TimeUnit.SECONDS);
    }

    /** What the child wrote to standard error so far. */
    public String stderr() {
        return stderr.toString();
    }

    /** Waits for the child to exit and returns its exit code. */
    public int waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        if (!process.waitFor(timeout, unit)) {
            throw new AssertionError("child did not exit; stderr:\n" + stderr);
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        in.close();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
