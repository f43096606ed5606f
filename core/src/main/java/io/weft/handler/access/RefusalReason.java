package io.weft.handler.access;

/** Why an {@link IpFilter} refused a connection; each reason has its own counter. */
public enum RefusalReason {
    /** A {@link IpAction#DENY} rule matched, or no rule matched and the default action is deny. */
    RULE,
    /** The peer address already had the maximum number of open connections. */
    ADDRESS_CONNECTION_LIMIT,
    /** The peer address exceeded its rate of new connections. */
    ADDRESS_RATE,
    /** All peers together exceeded the global rate of new connections. */
    GLOBAL_RATE,
    /**
     * The table of per-address state was full of addresses with open connections, so a new address could not be
     * tracked; the filter fails closed rather than forget a limit.
     */
    TRACKING_FULL
}
