/**
 * Weft core: pooled buffers, event loops, channels, pipelines, bootstraps, backend
 * selection with health checks ({@code io.weft.balance}) and a TCP load-balancing proxy ({@code io.weft.proxy}).
 */
module io.weft.core {
    requires org.slf4j;
    requires org.jctools.core;

    exports io.weft.buffer;
    exports io.weft.loop;
    exports io.weft.channel;
    exports io.weft.pipeline;
    exports io.weft.bootstrap;
    exports io.weft.handler;
    exports io.weft.balance;
    exports io.weft.proxy;
}
