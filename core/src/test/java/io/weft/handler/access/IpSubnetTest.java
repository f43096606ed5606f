package io.weft.handler.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class IpSubnetTest {

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void matchesIpv4Prefixes() throws Exception {
        IpSubnet net = IpSubnet.parse("192.168.4.0/22");
        assertTrue(net.contains(ip("192.168.4.0")));
        assertTrue(net.contains(ip("192.168.7.255")));
        assertFalse(net.contains(ip("192.168.8.0")));
        assertFalse(net.contains(ip("192.168.3.255")));
        assertTrue(IpSubnet.parse("0.0.0.0/0").contains(ip("8.8.8.8")));
        assertTrue(IpSubnet.parse("10.0.0.7").contains(ip("10.0.0.7")));
        assertFalse(IpSubnet.parse("10.0.0.7").contains(ip("10.0.0.6")));
        assertEquals("10.0.0.7/32", IpSubnet.parse("10.0.0.7").toString());
    }

    @Test
    void matchesIpv6Prefixes() throws Exception {
        IpSubnet net = IpSubnet.parse("2001:db8::/33");
        assertTrue(net.contains(ip("2001:db8::1")));
        assertTrue(net.contains(ip("2001:db8:7fff:ffff::")));
        assertFalse(net.contains(ip("2001:db8:8000::")));
        assertTrue(IpSubnet.parse("::1").contains(ip("::1")));
        assertFalse(IpSubnet.parse("::1/128").contains(ip("::2")));
        assertTrue(IpSubnet.parse("::/0").contains(ip("fe80::1")));
    }

    @Test
    void neverMatchesAcrossAddressFamilies() throws Exception {
        assertFalse(IpSubnet.parse("::/0").contains(ip("127.0.0.1")));
        assertFalse(IpSubnet.parse("0.0.0.0/0").contains(ip("::1")));
    }

    @Test
    void rejectsWhatIsNotACidrLiteral() {
        assertThrows(IllegalArgumentException.class, () -> IpSubnet.parse("localhost"));
        assertThrows(IllegalArgumentException.class, () -> IpSubnet.parse("example.com/8"));
        assertThrows(IllegalArgumentException.class, () -> IpSubnet.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> IpSubnet.parse("::/129"));
        assertThrows(IllegalArgumentException.class, () -> IpSubnet.parse("10.0.0.0/"));
        assertThrows(IllegalArgumentException.class, () -> IpSubnet.parse("10.0.0.0/-1"));
        assertThrows(IllegalArgumentException.class, () -> IpSubnet.parse("300.0.0.0/8"));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> IpSubnet.parse("10.1.2.3/8"));
        assertTrue(e.getMessage().contains("10.0.0.0/8"), e.getMessage());
    }

    @Test
    void rulesUseTheFirstMatch() throws Exception {
        IpRules rules = IpRules.builder().deny("10.6.0.0/16").allow("10.0.0.0/8").build();
        assertEquals(IpAction.DENY, rules.evaluate(ip("10.6.1.1")));
        assertEquals(IpAction.ALLOW, rules.evaluate(ip("10.7.1.1")));
        assertEquals(IpAction.DENY, rules.evaluate(ip("11.0.0.1")), "default DENY");
        assertEquals(IpAction.ALLOW, IpRules.allowAll().evaluate(ip("::1")));
    }
}
