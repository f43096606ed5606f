package io.weft.handler.access;

import io.weft.channel.AcceptFilter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IP access control for TCP servers: ordered CIDR allow/deny {@link IpRules}, a limit on open connections per peer
 * address, and token-bucket limits on new connections per second, globally and per peer address. It is an
 * {@link AcceptFilter}, so it runs on the acceptor loop right after {@code accept}, before a channel, a pipeline or
 * any TLS state exists; a refused connection is closed at once, without reading a byte, and counted by
 * {@link RefusalReason}.
 *
 * <pre>{@code
 * IpFilter filter = IpFilter.builder()
 *         .rules(IpRules.builder().allow("127.0.0.0/8").allow("::1").build())
 *         .maxConnectionsPerAddress(64)
 *         .connectionRatePerAddress(20, 40)   // 20 new connections/s per address, bursts of 40
 *         .connectionRate(2_000, 4_000)      // all addresses together
 *         .build();
 * Server.builder().option(ChannelOption.ACCEPT_FILTER, filter).childHandler(...).bind(8080);
 * filter.rules(newRules);                    // later, from any thread: takes effect for the next accept
 * }</pre>
 *
 * <p>Checks run in this order: rules, open connections of the address, the address's rate, the global rate. The
 * first that fails refuses the connection. Rule changes apply to new connections only; open ones stay open.
 *
 * <p><b>Bounded state:</b> per-address state (open connections and rate bucket) is kept only when a per-address
 * limit is configured, for at most {@link Builder#maxTrackedAddresses} addresses (default 65,536). An address
 * without open connections is forgotten as soon as its bucket has refilled; when the table is full, idle addresses
 * are evicted (which forgets their partly used rate buckets, erring on the side of the peer), and if every tracked
 * address has open connections a new address is refused with {@link RefusalReason#TRACKING_FULL}.
 *
 * <p><b>Thread safety:</b> fully thread-safe; one filter may guard several servers. Counters are exact.
 */
public final class IpFilter implements AcceptFilter {

    private static final Logger log = LoggerFactory.getLogger(IpFilter.class);

    /** The default bound on per-address state entries. */
    public static final int DEFAULT_MAX_TRACKED_ADDRESSES = 65_536;

    private volatile IpRules rules;
    private final int maxConnectionsPerAddress;
    private final double addressRate;
    private final int addressBurst;
    private final TokenBucket globalBucket;
    private final int maxTracked;
    private final boolean perAddress;
    private final LongSupplier clock;

    private final ConcurrentHashMap<InetAddress, AddressState> states = new ConcurrentHashMap<>();
    private final Object evictionLock = new Object();
    private final AtomicInteger active = new AtomicInteger();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder[] refused = new LongAdder[RefusalReason.values().length];

    private IpFilter(Builder b) {
        this.rules = b.rules;
        this.maxConnectionsPerAddress = b.maxConnectionsPerAddress;
        this.addressRate = b.addressRate;
        this.addressBurst = b.addressBurst;
        this.clock = b.clock;
        this.globalBucket = b.globalRate > 0 ? new TokenBucket(b.globalRate, b.globalBurst, clock.getAsLong()) : null;
        this.maxTracked = b.maxTracked;
        this.perAddress = b.maxConnectionsPerAddress != Integer.MAX_VALUE || b.addressRate > 0;
        for (int i = 0; i < refused.length; i++) {
            refused[i] = new LongAdder();
        }
    }

    /** A new builder: allow everyone, no limits. */
    public static Builder builder() {
        return new Builder();
    }

    /** The rules in force. */
    public IpRules rules() {
        return rules;
    }

    /**
     * Replaces the rules atomically; the next accepted connection is judged by {@code newRules}. Safe from any
     * thread. Connections already open are not re-judged.
     */
    public void rules(IpRules newRules) {
        if (newRules == null) {
            throw new NullPointerException("rules");
        }
        this.rules = newRules;
    }

    @Override
    public boolean accept(InetSocketAddress remote) {
        InetAddress address = remote.getAddress();
        if (address == null) {
            return refuse(RefusalReason.RULE, remote);
        }
        if (rules.evaluate(address) == IpAction.DENY) {
            return refuse(RefusalReason.RULE, remote);
        }
        long now = clock.getAsLong();
        if (!perAddress) {
            if (globalBucket != null && !globalBucket.tryTake(now)) {
                return refuse(RefusalReason.GLOBAL_RATE, remote);
            }
            return admitted();
        }
        while (true) {
            AddressState state = states.get(address);
            if (state == null) {
                if (states.size() >= maxTracked && !evictIdle(now)) {
                    return refuse(RefusalReason.TRACKING_FULL, remote);
                }
                state = states.computeIfAbsent(address,
                        a -> new AddressState(addressRate > 0 ? new TokenBucket(addressRate, addressBurst, now) : null));
            }
            synchronized (state) {
                if (state.removed) {
                    continue; // evicted between lookup and lock: look again
                }
                if (state.open >= maxConnectionsPerAddress) {
                    return refuse(RefusalReason.ADDRESS_CONNECTION_LIMIT, remote);
                }
                if (state.bucket != null && !state.bucket.tryTake(now)) {
                    return refuse(RefusalReason.ADDRESS_RATE, remote);
                }
                if (globalBucket != null && !globalBucket.tryTake(now)) {
                    forgetIfIdle(address, state, now);
                    return refuse(RefusalReason.GLOBAL_RATE, remote);
                }
                state.open++;
                return admitted();
            }
        }
    }

    @Override
    public void closed(InetSocketAddress remote) {
        active.decrementAndGet();
        if (!perAddress) {
            return;
        }
        InetAddress address = remote.getAddress();
        AddressState state = states.get(address);
        if (state == null) {
            return; // never happens: state with open connections is never evicted
        }
        synchronized (state) {
            state.open--;
            forgetIfIdle(address, state, clock.getAsLong());
        }
    }

    /** Called holding {@code state}'s lock. */
    private void forgetIfIdle(InetAddress address, AddressState state, long now) {
        if (state.open == 0 && (state.bucket == null || state.bucket.isFull(now))) {
            state.removed = true;
            states.remove(address, state);
        }
    }

    /** Makes room in a full table by forgetting idle addresses; {@code false} if none was idle. */
    private boolean evictIdle(long now) {
        synchronized (evictionLock) {
            if (states.size() < maxTracked) {
                return true;
            }
            int target = Math.max(1, maxTracked / 8);
            int evicted = 0;
            for (Iterator<Map.Entry<InetAddress, AddressState>> it = states.entrySet().iterator();
                    it.hasNext() && evicted < target; ) {
                Map.Entry<InetAddress, AddressState> e = it.next();
                AddressState state = e.getValue();
                synchronized (state) {
                    if (state.open == 0 && !state.removed) {
                        state.removed = true;
                        states.remove(e.getKey(), state);
                        evicted++;
                    }
                }
            }
            return evicted > 0;
        }
    }

    private boolean admitted() {
        active.incrementAndGet();
        accepted.increment();
        return true;
    }

    private boolean refuse(RefusalReason reason, InetSocketAddress remote) {
        refused[reason.ordinal()].increment();
        log.debug("refused connection from {}: {}", remote, reason);
        return false;
    }

    /** Connections accepted so far. */
    public long acceptedCount() {
        return accepted.sum();
    }

    /** Connections refused so far, for every reason. */
    public long refusedCount() {
        long sum = 0;
        for (LongAdder r : refused) {
            sum += r.sum();
        }
        return sum;
    }

    /** Connections refused so far for {@code reason}. */
    public long refusedCount(RefusalReason reason) {
        return refused[reason.ordinal()].sum();
    }

    /** Connections accepted by this filter and not yet closed. */
    public int activeConnections() {
        return active.get();
    }

    /**
     * Open connections from {@code address}, as far as the filter tracks them (always 0 when no per-address limit
     * is configured).
     */
    public int activeConnections(InetAddress address) {
        AddressState state = states.get(address);
        if (state == null) {
            return 0;
        }
        synchronized (state) {
            return state.open;
        }
    }

    /** Addresses with per-address state right now (at most {@link Builder#maxTrackedAddresses}). */
    public int trackedAddresses() {
        return states.size();
    }

    @Override
    public String toString() {
        return "IpFilter(" + rules + ", accepted " + acceptedCount() + ", refused " + refusedCount() + ")";
    }

    private static final class AddressState {
        final TokenBucket bucket;
        int open;
        boolean removed;

        AddressState(TokenBucket bucket) {
            this.bucket = bucket;
        }
    }

    /** Configures an {@link IpFilter}. Not thread-safe. */
    public static final class Builder {
        private IpRules rules = IpRules.allowAll();
        private int maxConnectionsPerAddress = Integer.MAX_VALUE;
        private double addressRate;
        private int addressBurst;
        private double globalRate;
        private int globalBurst;
        private int maxTracked = DEFAULT_MAX_TRACKED_ADDRESSES;
        private LongSupplier clock = System::nanoTime;

        private Builder() {
        }

        /** The initial rules; {@link IpRules#allowAll()} unless set. */
        public Builder rules(IpRules rules) {
            if (rules == null) {
                throw new NullPointerException("rules");
            }
            this.rules = rules;
            return this;
        }

        /** At most {@code max} open connections per peer address; unlimited unless set. */
        public Builder maxConnectionsPerAddress(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxConnectionsPerAddress must be positive, was " + max);
            }
            this.maxConnectionsPerAddress = max;
            return this;
        }

        /**
         * New connections per second from one peer address, refilled continuously, with bursts of up to
         * {@code burst}; unlimited unless set.
         */
        public Builder connectionRatePerAddress(double perSecond, int burst) {
            checkRate(perSecond, burst);
            this.addressRate = perSecond;
            this.addressBurst = burst;
            return this;
        }

        /** New connections per second from all peers together, with bursts of up to {@code burst}; unlimited unless set. */
        public Builder connectionRate(double perSecond, int burst) {
            checkRate(perSecond, burst);
            this.globalRate = perSecond;
            this.globalBurst = burst;
            return this;
        }

        /** Bound on addresses with per-address state; default {@value IpFilter#DEFAULT_MAX_TRACKED_ADDRESSES}. */
        public Builder maxTrackedAddresses(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxTrackedAddresses must be positive, was " + max);
            }
            this.maxTracked = max;
            return this;
        }

        /** For tests: the nanosecond clock the rate limits read. */
        Builder clock(LongSupplier nanoClock) {
            this.clock = nanoClock;
            return this;
        }

        private static void checkRate(double perSecond, int burst) {
            if (!(perSecond > 0) || Double.isInfinite(perSecond) || burst < 1) {
                throw new IllegalArgumentException(
                        "rate must be positive and finite and burst at least 1, were " + perSecond + ", " + burst);
            }
        }

        /** The filter. */
        public IpFilter build() {
            return new IpFilter(this);
        }
    }
}
