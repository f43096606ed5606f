package io.weft.internal.access;

import io.weft.internal.loop.LoopAccess;
import io.weft.internal.pipeline.PipelineAccess;
import io.weft.loop.EventLoop;
import io.weft.pipeline.Pipeline;

/**
 * Where exported classes leave the keys to their package-private members for Weft's other packages, as the JDK's
 * {@code SharedSecrets} does: {@link EventLoop} and {@link Pipeline} install their accessor from their static
 * initializer, and a getter initializes the owning class first if need be. Each accessor can be installed once. Not
 * API (the package is not exported).
 */
public final class SharedSecrets {

    private static volatile LoopAccess loopAccess;
    private static volatile PipelineAccess pipelineAccess;

    private SharedSecrets() {
    }

    /** Called once, by {@link EventLoop}'s static initializer. */
    public static void setLoopAccess(LoopAccess access) {
        if (loopAccess != null) {
            throw new IllegalStateException("LoopAccess already installed");
        }
        loopAccess = access;
    }

    /** The loop's registration methods. */
    public static LoopAccess loopAccess() {
        LoopAccess access = loopAccess;
        if (access == null) {
            initialize(EventLoop.class);
            access = loopAccess;
        }
        return access;
    }

    /** Called once, by {@link Pipeline}'s static initializer. */
    public static void setPipelineAccess(PipelineAccess access) {
        if (pipelineAccess != null) {
            throw new IllegalStateException("PipelineAccess already installed");
        }
        pipelineAccess = access;
    }

    /** The pipeline's constructor and channel-side queries. */
    public static PipelineAccess pipelineAccess() {
        PipelineAccess access = pipelineAccess;
        if (access == null) {
            initialize(Pipeline.class);
            access = pipelineAccess;
        }
        return access;
    }

    private static void initialize(Class<?> owner) {
        try {
            Class.forName(owner.getName(), true, owner.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
