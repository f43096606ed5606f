package io.weft.channel;

import java.util.List;

/**
 * Thrown by {@link EmbeddedChannel#finish()} when buffers it tracked were never released. The message names how
 * many and describes the first few, each with the stack trace of its allocation.
 */
public class BufferLeakException extends IllegalStateException {

    private static final long serialVersionUID = 1L;
    private static final int DESCRIBED = 5;

    private final transient List<String> leaks;

    /** An exception listing {@code leaks}, the descriptions of the unreleased buffers. */
    public BufferLeakException(List<String> leaks) {
        super(leaks.size() + " buffer(s) not released:\n"
                + String.join("\n\n", leaks.subList(0, Math.min(DESCRIBED, leaks.size())))
                + (leaks.size() > DESCRIBED ? "\n\n... and " + (leaks.size() - DESCRIBED) + " more" : ""));
        this.leaks = List.copyOf(leaks);
    }

    /** The description of every unreleased buffer, with its allocation stack trace. */
    public List<String> leaks() {
        return leaks;
    }
}
