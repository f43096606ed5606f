package io.weft.handler.access;

/** What an {@link IpRules} rule (or the rules' default) does with a matching connection. */
public enum IpAction {
    /** Serve the connection (subject to the filter's limits). */
    ALLOW,
    /** Close the connection at once. */
    DENY
}
