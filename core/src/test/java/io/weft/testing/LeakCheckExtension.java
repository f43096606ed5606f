package io.weft.testing;

import io.weft.buffer.LeakDetector;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves buffers unreleased. Registered for every test class through the JUnit service
 * loader (see {@code META-INF/services}); runs after the class's own {@code @AfterAll}, when its loops are shut
 * down, and waits briefly for releases still in flight on loop threads.
 */
public final class LeakCheckExtension implements AfterAllCallback {

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (LeakDetector.level() != LeakDetector.Level.STRICT) {
            return;
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<String> outstanding = LeakDetector.outstanding();
        while (!outstanding.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            outstanding = LeakDetector.outstanding();
        }
        List<String> problems = new ArrayList<>(LeakDetector.reportCollected());
        problems.addAll(outstanding);
        if (!problems.isEmpty()) {
            LeakDetector.forgetOutstanding();
            throw new AssertionError(context.getDisplayName() + " leaked " + problems.size() + " buffer(s):\n"
                    + String.join("\n\n", problems.subList(0, Math.min(5, problems.size()))));
        }
    }
}
