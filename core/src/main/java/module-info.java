/**
 * Weft core: pooled buffers, event loops, channels, pipelines, bootstraps, backend selection with health checks
 * ({@code io.weft.balance}) and a TCP load-balancing proxy ({@code io.weft.proxy}).
 *
 * <p>SLF4J is required transitively: the public API names its types ({@code LoggingHandler} takes an
 * {@code org.slf4j.Logger} and an {@code org.slf4j.event.Level}), so a module that reads {@code io.weft.core} reads
 * SLF4J's API too (bind a backend of your choice at run time; core binds none).
 *
 * <p>Packages under {@code io.weft.internal} (loop registration, the pipeline's transport, shared helpers) are
 * Weft's own and not exported.
 */
module io.weft.core {
    requires transitive org.slf4j;
    requires org.jctools.core;
    requires java.management;

    exports io.weft.buffer;
    exports io.weft.loop;
    exports io.weft.channel;
    exports io.weft.pipeline;
    exports io.weft.bootstrap;
    exports io.weft.handler;
    exports io.weft.balance;
    exports io.weft.proxy;
    exports io.weft.handler.access;
    exports io.weft.handler.traffic;
    exports io.weft.metrics;
}
