/**
 * Weft core: pooled buffers, event loops, channels, pipelines and bootstraps.
 */
module io.weft.core {
    requires org.slf4j;
    requires org.jctools.core;
    requires java.management;

    exports io.weft.buffer;
    exports io.weft.loop;
    exports io.weft.channel;
    exports io.weft.pipeline;
    exports io.weft.bootstrap;
    exports io.weft.handler;
    exports io.weft.handler.access;
    exports io.weft.handler.traffic;
    exports io.weft.metrics;
}
