package dev.weft.service.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One row per special-purpose block (IANA's IPv4 and IPv6 registries, "not globally reachable"), its edges, and the
 * IPv6 forms that carry an IPv4 address; {@code public} means not blocked.
 */
class AddressRangesTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "93.184.216.34|public",
        "2606:2800:220:1:248:1893:25c8:1946|public",
        "192.88.99.1|reserved (6to4 relay anycast)",
        "192.88.98.255|public",
        "192.88.100.0|public",
        "fec0::1|site-local",
        "feff:ffff::1|site-local",
        "2001::1|tunnel (Teredo)",
        "2001:0:ffff:ffff::1|tunnel (Teredo)",
        "2001:2::1|benchmarking",
        "2001:2:0:ffff::1|benchmarking",
        "2001:10::1|reserved (ORCHID)",
        "2001:1f:ffff::1|reserved (ORCHID)",
        "2001:20::1|reserved (ORCHIDv2)",
        "2001:2f:ffff::1|reserved (ORCHIDv2)",
        "2001:4860:4860::8888|public",
        "5f00::1|reserved (segment routing)",
        "5f00:ffff::1|reserved (segment routing)",
        "3fff::1|documentation",
        "3fff:fff:ffff::1|documentation",
        "3fff:1000::1|public",
        "100:0:0:1::5|reserved (dummy prefix)",
        // local-use NAT64: refused whatever it carries
        "64:ff9b:1::5db8:d822|translation (local-use NAT64)",
        "64:ff9b:1:ffff::1|translation (local-use NAT64)",
        // well-known NAT64 and SIIT: judged by the IPv4 address they carry
        "64:ff9b::5db8:d822|public",
        "64:ff9b::7f00:1|loopback",
        "64:ff9b::a9fe:a9fe|link-local (cloud metadata)",
        "::ffff:0:5db8:d822|public",
        "::ffff:0:7f00:1|loopback",
        "::ffff:0:a00:1|private",
        "::ffff:0:c058:6301|reserved (6to4 relay anycast)",
        // 6to4: the IPv4 address in bytes 2..5
        "2002:5db8:d822::1|public",
        "2002:a00:1::1|private",
        "2002:7f00:1::1|loopback",
        "2002:c0a8:101::1|private"})
    void blocksEachNotGloballyReachableRangeAndJudgesCarriedIpv4(String literal, String expected) {
        String category = AddressRanges.blocked(WebhookUrlPolicyTest.address(literal)).orElse("public");

        assertThat(category).isEqualTo(expected);
    }
}
