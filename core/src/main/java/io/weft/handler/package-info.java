/**
 * Ready-made handlers: idle detection ({@link io.weft.handler.IdleStateHandler}), read and write timeouts
 * ({@link io.weft.handler.ReadTimeoutHandler}, {@link io.weft.handler.WriteTimeoutHandler}) built on the channel's
 * loop timers, and a {@link io.weft.handler.LoggingHandler} for troubleshooting a pipeline.
 */
package io.weft.handler;
