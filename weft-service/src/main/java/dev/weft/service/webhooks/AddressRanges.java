package dev.weft.service.webhooks;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The address blocks no webhook may reach unless allow-listed: IANA's special-purpose registries (RFC 6890 and
 * successors) for IPv4 and IPv6, every block not globally reachable, as listed in docs/ARCHITECTURE.md (plus
 * multicast and the deprecated site-local {@code fec0::/10} and 6to4 relay {@code 192.88.99.0/24}). IPv6 forms
 * that carry an IPv4 address (IPv4-mapped, which the JDK already turns into IPv4; IPv4-translated (SIIT)
 * {@code ::ffff:0:0:0/96}; IPv4-compatible; NAT64 {@code 64:ff9b::/96}; 6to4 {@code 2002::/16}) are judged by the
 * IPv4 address they carry. The local-use NAT64 prefix {@code 64:ff9b:1::/48} (RFC 8215) is refused outright: it is
 * not globally reachable, and where it carries the IPv4 address depends on a prefix length only its network knows.
 * Teredo {@code 2001::/32} is refused outright too (it carries its IPv4 addresses obfuscated). Stateless.
 */
final class AddressRanges {
    /** Category of each blocked block, named in refusals (never the address itself). */
    private static final List<Map.Entry<Cidr, String>> BLOCKED = List.of(
            block("0.0.0.0/8", "unspecified"),
            block("10.0.0.0/8", "private"),
            block("100.64.0.0/10", "shared (carrier-grade NAT)"),
            block("127.0.0.0/8", "loopback"),
            block("169.254.0.0/16", "link-local (cloud metadata)"),
            block("172.16.0.0/12", "private"),
            block("192.0.0.0/24", "reserved"),
            block("192.0.2.0/24", "documentation"),
            block("192.88.99.0/24", "reserved (6to4 relay anycast)"),
            block("192.168.0.0/16", "private"),
            block("198.18.0.0/15", "benchmarking"),
            block("198.51.100.0/24", "documentation"),
            block("203.0.113.0/24", "documentation"),
            block("224.0.0.0/4", "multicast"),
            block("240.0.0.0/4", "reserved"),
            block("::/128", "unspecified"),
            block("::1/128", "loopback"),
            block("64:ff9b:1::/48", "translation (local-use NAT64)"),
            block("100::/64", "discard"),
            block("100:0:0:1::/64", "reserved (dummy prefix)"),
            block("2001::/32", "tunnel (Teredo)"),
            block("2001:2::/48", "benchmarking"),
            block("2001:10::/28", "reserved (ORCHID)"),
            block("2001:20::/28", "reserved (ORCHIDv2)"),
            block("2001:db8::/32", "documentation"),
            block("3fff::/20", "documentation"),
            block("5f00::/16", "reserved (segment routing)"),
            block("fc00::/7", "private (unique local)"),
            block("fe80::/10", "link-local"),
            block("fec0::/10", "site-local"),
            block("ff00::/8", "multicast"));
    private static final Cidr IPV4_COMPATIBLE = cidr("::/96");
    private static final Cidr NAT64 = cidr("64:ff9b::/96");
    private static final Cidr IPV4_TRANSLATED = cidr("::ffff:0:0:0/96");
    private static final Cidr SIX_TO_FOUR = cidr("2002::/16");

    private AddressRanges() {
    }

    /**
     * @param address an address
     * @return the category of the blocked range it lies in ({@code "loopback"}, {@code "private"}, ...), or empty
     *     for a public address
     */
    static Optional<String> blocked(InetAddress address) {
        InetAddress judged = embeddedIpv4(address).orElse(address);
        for (Map.Entry<Cidr, String> entry : BLOCKED) {
            if (entry.getKey().contains(judged)) {
                return Optional.of(entry.getValue());
            }
        }
        return Optional.empty();
    }

    /** Whether the address, or the IPv4 address it carries, is loopback. */
    static boolean loopback(InetAddress address) {
        return embeddedIpv4(address).orElse(address).isLoopbackAddress();
    }

    /**
     * The IPv4 address an IPv6 transition form carries (the last 4 bytes; bytes 2..5 for 6to4). A carried public
     * address passes as that address would; a 6to4 or NAT64 form only reaches it through a relay or translator.
     */
    private static Optional<InetAddress> embeddedIpv4(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return Optional.empty();
        }
        byte[] bytes = address.getAddress();
        byte[] v4;
        if (ipv4Mapped(bytes)) {
            // The JDK turns ::ffff:a.b.c.d into IPv4 when it parses text, but an Inet6Address built from bytes
            // keeps the mapped form.
            v4 = new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]};
        } else if (SIX_TO_FOUR.contains(address)) {
            v4 = new byte[] {bytes[2], bytes[3], bytes[4], bytes[5]};
        } else if (NAT64.contains(address) || IPV4_TRANSLATED.contains(address) || (IPV4_COMPATIBLE.contains(address) && !isZeroOrOne(bytes))) {
            v4 = new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]};
        } else {
            return Optional.empty();
        }
        try {
            return Optional.of((Inet4Address) InetAddress.getByAddress(v4));
        } catch (java.net.UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static boolean ipv4Mapped(byte[] bytes) {
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
    }

    /** {@code ::} and {@code ::1} are IPv6's own unspecified and loopback, not IPv4-compatible addresses. */
    private static boolean isZeroOrOne(byte[] bytes) {
        for (int i = 0; i < 15; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[15] == 0 || bytes[15] == 1;
    }

    private static Map.Entry<Cidr, String> block(String text, String category) {
        return Map.entry(cidr(text), category);
    }

    private static Cidr cidr(String text) {
        return Cidr.parse(text).orElseThrow(() -> new IllegalStateException("bad built-in block " + text));
    }
}
