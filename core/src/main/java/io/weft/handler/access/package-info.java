/**
 * IP access control evaluated when a connection is accepted, before any byte is read: CIDR allow/deny
 * {@link io.weft.handler.access.IpRules}, per-address connection limits and connection-rate limits in
 * {@link io.weft.handler.access.IpFilter}, installed with {@link io.weft.channel.ChannelOption#ACCEPT_FILTER}.
 */
package io.weft.handler.access;
