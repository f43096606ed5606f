package io.weft.handler.access;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 network in CIDR notation ({@code 10.0.0.0/8}, {@code 2001:db8::/32}, {@code ::1/128}); an address
 * without a prefix length is a single host. Immutable.
 *
 * <p>Parsing never touches DNS: only address literals are accepted. Host bits below the prefix must be zero
 * ({@code 10.1.2.3/8} is rejected, since it is more often a typo than meant as {@code 10.0.0.0/8}). An IPv4 network
 * matches only IPv4 peers and an IPv6 network only IPv6 peers; the JDK reports IPv4-mapped IPv6 peers
 * ({@code ::ffff:a.b.c.d}) as IPv4 addresses, so IPv4 rules cover them.
 */
public final class IpSubnet {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private final byte[] network;
    private final int prefixLength;
    private final String text;

    private IpSubnet(byte[] network, int prefixLength) {
        this.network = network;
        this.prefixLength = prefixLength;
        this.text = format(network, prefixLength);
    }

    /**
     * Parses {@code cidr}.
     *
     * @throws IllegalArgumentException if it is not an address literal with an optional {@code /prefix} in range, or
     *     if host bits are set
     */
    public static IpSubnet parse(String cidr) {
        String s = cidr.trim();
        int slash = s.indexOf('/');
        String addressText = slash < 0 ? s : s.substring(0, slash);
        byte[] bytes = literal(addressText, cidr);
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("bad prefix length in " + cidr);
            }
            prefix = Integer.parseInt(p);
            if (prefix > bits) {
                throw new IllegalArgumentException("prefix length " + prefix + " exceeds " + bits + " in " + cidr);
            }
        }
        byte[] masked = mask(bytes, prefix);
        if (!Arrays.equals(masked, bytes)) {
            throw new IllegalArgumentException(
                    "host bits set in " + cidr + " (did you mean " + format(masked, prefix) + "?)");
        }
        return new IpSubnet(masked, prefix);
    }

    /** The network {@code address/prefixLength}, host bits cleared. */
    public static IpSubnet of(InetAddress address, int prefixLength) {
        byte[] bytes = address.getAddress();
        if (prefixLength < 0 || prefixLength > bytes.length * 8) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range for " + address);
        }
        return new IpSubnet(mask(bytes, prefixLength), prefixLength);
    }

    private static byte[] literal(String text, String whole) {
        if (!IPV4.matcher(text).matches() && !IPV6.matcher(text).matches()) {
            throw new IllegalArgumentException("not an IP address literal: " + whole);
        }
        try {
            // The patterns above admit only literals, so this never consults DNS.
            return InetAddress.getByName(text).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address literal: " + whole, e);
        }
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        byte[] out = bytes.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] &= (byte) (0xFF << (8 - keep));
        }
        return out;
    }

    /** Whether {@code address} lies in this network (always {@code false} across address families). */
    public boolean contains(InetAddress address) {
        return contains(address.getAddress());
    }

    boolean contains(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        int full = prefixLength >>> 3;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength & 7;
        if (rest == 0) {
            return true;
        }
        int m = 0xFF << (8 - rest);
        return (address[full] & m) == (network[full] & m);
    }

    /** The prefix length in bits. */
    public int prefixLength() {
        return prefixLength;
    }

    /** Whether this is an IPv6 network. */
    public boolean isIpv6() {
        return network.length == 16;
    }

    private static String format(byte[] bytes, int prefix) {
        try {
            return InetAddress.getByAddress(bytes).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpSubnet other && other.prefixLength == prefixLength
                && Arrays.equals(other.network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefixLength;
    }

    /** The network in CIDR notation, for example {@code 10.0.0.0/8}. */
    @Override
    public String toString() {
        return text;
    }
}
