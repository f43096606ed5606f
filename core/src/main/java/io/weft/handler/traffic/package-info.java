/**
 * Traffic shaping: per-channel ({@link io.weft.handler.traffic.TrafficShapingHandler}) and global
 * ({@link io.weft.handler.traffic.GlobalTrafficShaper}) read and write byte-rate limits that pause reading rather
 * than buffer, with Netty's semantics.
 */
package io.weft.handler.traffic;
