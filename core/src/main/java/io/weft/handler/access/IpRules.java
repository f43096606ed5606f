package io.weft.handler.access;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * An ordered list of CIDR allow/deny rules with a default action: the first rule whose network contains the peer
 * decides, and the default decides when none does. Immutable, so an {@link IpFilter} can swap a whole rule set in
 * one step ({@link IpFilter#rules(IpRules)}) while connections are being accepted.
 *
 * <pre>{@code
 * IpRules rules = IpRules.builder()
 *         .deny("10.6.0.0/16")          // a bad neighbourhood inside the allowed range below
 *         .allow("10.0.0.0/8")
 *         .allow("::1")
 *         .defaultAction(IpAction.DENY) // the default is DENY: list what you allow
 *         .build();
 * }</pre>
 *
 * <p>Evaluation is a linear scan (a few nanoseconds per rule); keep rule sets to hundreds, not millions.
 */
public final class IpRules {

    /** One rule: a network and what to do with peers inside it. */
    public record Rule(IpSubnet subnet, IpAction action) {
        /** Checks that neither part is {@code null}. */
        public Rule {
            if (subnet == null || action == null) {
                throw new NullPointerException("subnet and action are required");
            }
        }
    }

    private static final IpRules ALLOW_ALL = new IpRules(List.of(), IpAction.ALLOW);

    private final Rule[] rules;
    private final IpAction defaultAction;

    private IpRules(List<Rule> rules, IpAction defaultAction) {
        this.rules = rules.toArray(new Rule[0]);
        this.defaultAction = defaultAction;
    }

    /** A new builder; its default action is {@link IpAction#DENY}. */
    public static Builder builder() {
        return new Builder();
    }

    /** No rules, every peer allowed (the limits of the filter still apply). */
    public static IpRules allowAll() {
        return ALLOW_ALL;
    }

    /** What these rules do with {@code address}. */
    public IpAction evaluate(InetAddress address) {
        byte[] bytes = address.getAddress();
        for (Rule rule : rules) {
            if (rule.subnet().contains(bytes)) {
                return rule.action();
            }
        }
        return defaultAction;
    }

    /** The rules in evaluation order. */
    public List<Rule> rules() {
        return List.of(rules);
    }

    /** The action when no rule matches. */
    public IpAction defaultAction() {
        return defaultAction;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("IpRules[");
        for (Rule rule : rules) {
            sb.append(rule.action()).append(' ').append(rule.subnet()).append(", ");
        }
        return sb.append("default ").append(defaultAction).append(']').toString();
    }

    /** Builds an {@link IpRules}; rules are evaluated in the order they were added. */
    public static final class Builder {
        private final List<Rule> rules = new ArrayList<>();
        private IpAction defaultAction = IpAction.DENY;

        private Builder() {
        }

        /** Allows peers in {@code cidr} (see {@link IpSubnet#parse}). */
        public Builder allow(String cidr) {
            return add(IpSubnet.parse(cidr), IpAction.ALLOW);
        }

        /** Denies peers in {@code cidr} (see {@link IpSubnet#parse}). */
        public Builder deny(String cidr) {
            return add(IpSubnet.parse(cidr), IpAction.DENY);
        }

        /** Appends a rule. */
        public Builder add(IpSubnet subnet, IpAction action) {
            rules.add(new Rule(subnet, action));
            return this;
        }

        /** What happens to a peer no rule matches; {@link IpAction#DENY} unless set. */
        public Builder defaultAction(IpAction action) {
            if (action == null) {
                throw new NullPointerException("action");
            }
            this.defaultAction = action;
            return this;
        }

        /** The rule set. */
        public IpRules build() {
            return new IpRules(rules, defaultAction);
        }
    }
}
