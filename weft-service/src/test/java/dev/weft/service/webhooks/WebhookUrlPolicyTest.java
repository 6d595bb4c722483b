package dev.weft.service.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.InvalidConfigException;
import dev.weft.http.HostResolver;
import dev.weft.service.ProblemException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The registration check: a table of SSRF attempts (private ranges, localhost aliases, numeric forms that
 * resolvers read differently, IPv4 inside IPv6, metadata, user info, plain http) each refused with a 400
 * {@code webhook_url_refused} naming the field, and public https URLs accepted. Names resolve through a fixed
 * table, not the machine's DNS, except {@code localhost}, {@code localhost.} and {@code metadata.google.internal},
 * which go to the JDK's resolver as in production.
 */
class WebhookUrlPolicyTest {
    /** Test names: a public address, a private one, one with a public and a private address. */
    private static final Map<String, List<String>> DNS = Map.of(
            "hooks.example.com", List.of("93.184.216.34"),
            "v6.example.com", List.of("2606:2800:220:1:248:1893:25c8:1946"),
            "internal.example.com", List.of("10.1.2.3"),
            "mixed.example.com", List.of("93.184.216.34", "192.168.1.10"),
            "nat64.example.com", List.of("64:ff9b::a01:203"));
    static final HostResolver TABLE = host -> DNS.containsKey(host)
            ? DNS.get(host).stream().map(WebhookUrlPolicyTest::address).toList()
            : HostResolver.system().resolve(host);

    private final WebhookUrlPolicy policy = new WebhookUrlPolicy(WebhooksConfig.defaults(), TABLE);

    @ParameterizedTest
    @ValueSource(strings = {
        "https://10.0.0.5/hook", "https://172.16.0.1/", "https://172.31.255.255/", "https://192.168.1.1/",
        "https://100.64.0.1/", "https://127.0.0.1/", "https://127.255.0.1/", "https://169.254.169.254/latest",
        "https://0.0.0.0/", "https://224.0.0.1/", "https://240.0.0.1/", "https://255.255.255.255/",
        "https://192.0.2.1/", "https://198.51.100.7/", "https://203.0.113.9/", "https://198.18.0.1/",
        "https://192.0.0.8/", "https://[::1]/", "https://[::]/", "https://[::ffff:127.0.0.1]/",
        "https://[::ffff:7f00:1]/", "https://[::ffff:a9fe:a9fe]/", "https://[::127.0.0.1]/",
        "https://[64:ff9b::7f00:1]/", "https://[2002:7f00:1::]/", "https://[fc00::1]/", "https://[fd12:3456::1]/",
        "https://[fe80::1]/", "https://[ff02::1]/", "https://[2001:db8::1]/", "https://[100::1]/",
        "https://localhost/", "https://LOCALHOST:8443/", "https://internal.example.com/",
        "https://mixed.example.com/", "https://nat64.example.com/"})
    void refusesPrivateLoopbackLinkLocalAndReservedAddresses(String url) {
        assertRefused(url, "non-public address");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "https://2130706433/", "https://0x7f000001/", "https://0x7f.1/", "https://0177.0.0.1/", "https://127.1/",
        "https://0/", "https://127.0.0.01/", "https://1.2.3/", "https://[fe80::1%25eth0]/", "https://a_b.example/",
        "https://127.0.0.1./", "https://-bad.example.com/"})
    void refusesNumericFormsThatResolversReadDifferentlyAsMalformed(String url) {
        assertRefused(url, "valid host name or IP address");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://localhost./", "https://metadata.google.internal/computeMetadata/v1/"})
    void refusesNamesThatResolvePrivatelyOrNotAtAll(String url) {
        assertThatThrownBy(() -> policy.checkRegistration("url", url)).isInstanceOfSatisfying(ProblemException.class,
                e -> assertThat(e.errors().getFirst().message()).matches(
                        "resolves to a non-public address \\(.*\\)|host does not resolve"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "http://hooks.example.com/hook|must be https",
        "http://127.0.0.1:8080/hook|must be https",
        "ftp://hooks.example.com/|absolute https URL",
        "/relative/hook|absolute https URL",
        "mailto:ops@example.com|absolute https URL",
        "https://user:pw@hooks.example.com/|user info",
        "https://user@hooks.example.com/|user info",
        "https://hooks.example.com/hook#frag|fragment",
        "https://hooks.example.com:0/|invalid port",
        "https://hooks.example.com/a/../admin|path segments",
        "https://hooks.example.com/a/%2e%2e/admin|path segments",
        "https://nowhere.invalid/|host does not resolve",
        "https://hooks example.com/|ASCII without spaces",
        "https://hooks.example.com/café|ASCII without spaces",
        "https://hooks.example.com/a^b|not a valid URL",
        "https:///hook|valid host name"})
    void refusesOtherSchemesCredentialsFragmentsAndUnresolvableHosts(String url, String reason) {
        assertRefused(url, reason);
    }

    /** Reported: a non-ASCII host was told to percent-encode, and a port of -1 was called a bad host name. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "https://bücher.example/hook|punycode form (xn--...)",
        "https://ops@bücher.example:8443/hook|punycode form (xn--...)",
        "http://127.0.0.1:-1/|invalid port (must be 1-65535)",
        "https://hooks.example.com:80x/|invalid port (must be 1-65535)",
        "https://hooks.example.com:99999999999/|invalid port (must be 1-65535)",
        "https://hooks.example.com:99999/|invalid port (must be 1-65535)"})
    void aNonAsciiHostIsToldToUsePunycodeAndABadPortIsCalledABadPort(String url, String reason) {
        assertRefused(url, reason);
    }

    /**
     * Seeded: random IPv4 addresses (a fifth of them drawn from blocked ranges) written in every form some
     * resolver reads as that address. Only canonical dotted decimal is ever accepted, and only for a public
     * address; no numeric form reaches the resolver.
     */
    @Test
    void noNumericSpellingOfAnAddressGetsPastTheParserOrReachesTheResolver() {
        long seed = System.nanoTime();
        java.util.Random random = new java.util.Random(seed);
        List<String> lookups = new java.util.concurrent.CopyOnWriteArrayList<>();
        WebhookUrlPolicy strict = new WebhookUrlPolicy(WebhooksConfig.defaults(), host -> {
            lookups.add(host);
            return List.of();
        });
        int[] blockedStarts = {0x0A000000, 0x7F000000, 0xA9FEA9FE, 0xAC100000, 0xC0A80000, 0x00000000, 0xE0000000};
        for (int i = 0; i < 400; i++) {
            int value = random.nextInt(5) == 0
                    ? blockedStarts[random.nextInt(blockedStarts.length)] | random.nextInt(256) : random.nextInt();
            int[] part = {value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff};
            String dotted = part[0] + "." + part[1] + "." + part[2] + "." + part[3];
            boolean blocked = AddressRanges.blocked(address(dotted)).isPresent();
            List<String> others = List.of(
                    Integer.toUnsignedString(value),
                    "0x" + Integer.toHexString(value),
                    "0" + Integer.toOctalString(part[0]) + ".0" + Integer.toOctalString(part[1]) + ".0"
                            + Integer.toOctalString(part[2]) + ".0" + Integer.toOctalString(part[3]),
                    "0x" + Integer.toHexString(part[0]) + ".0x" + Integer.toHexString(part[1]) + ".0x"
                            + Integer.toHexString(part[2]) + ".0x" + Integer.toHexString(part[3]),
                    part[0] + "." + part[1] + "." + (part[2] * 256 + part[3]),
                    part[0] + "." + (part[1] * 65_536 + part[2] * 256 + part[3]),
                    "0" + dotted,
                    dotted + ".");

            if (blocked) {
                assertRefused(strict, "https://" + dotted + "/", "non-public address");
            } else {
                assertThat(strict.checkRegistration("url", "https://" + dotted + "/")).as("seed %d", seed)
                        .hasToString("https://" + dotted + "/");
            }
            for (String other : others) {
                assertRefused(strict, "https://" + other + "/", "valid host name or IP address");
            }
        }

        assertThat(lookups).as("seed %d", seed).isEmpty();
    }

    @Test
    void refusesAnOverlongUrl() {
        assertRefused("https://hooks.example.com/" + "a".repeat(WebhookUrlPolicy.MAX_URL_LENGTH), "at most");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "https://hooks.example.com/hook?x=1|https://hooks.example.com/hook?x=1",
        "HTTPS://Hooks.Example.COM|https://hooks.example.com/",
        "https://hooks.example.com:8443/a%20b|https://hooks.example.com:8443/a%20b",
        "https://93.184.216.34/h|https://93.184.216.34/h",
        "https://v6.example.com/h|https://v6.example.com/h",
        "https://[2606:2800:220:1:248:1893:25c8:1946]/h|https://[2606:2800:220:1:248:1893:25c8:1946]/h"})
    void acceptsPublicHttpsUrlsAndNormalisesThem(String url, String normalised) {
        assertThat(policy.checkRegistration("url", url)).hasToString(normalised);
    }

    @Test
    void refusalsNameTheFieldAndTheCategoryButNeverTheResolvedAddress() {
        assertThatThrownBy(() -> policy.checkRegistration("callback_url", "https://internal.example.com/"))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("webhook_url_refused");
                    assertThat(e.errors()).singleElement().satisfies(error -> {
                        assertThat(error.field()).isEqualTo("callback_url");
                        assertThat(error.message()).isEqualTo("resolves to a non-public address (private)");
                    });
                    assertThat(e.getMessage()).doesNotContain("10.1.2.3");
                });
    }

    @Test
    void allowsHttpAndLoopbackOnlyWhenTheDevelopmentSettingIsOn() {
        WebhookUrlPolicy development = new WebhookUrlPolicy(WebhooksConfig.defaults().withAllowHttpLoopback(true),
                TABLE);

        assertThat(development.checkRegistration("url", "http://127.0.0.1:8080/hook"))
                .hasToString("http://127.0.0.1:8080/hook");
        assertThat(development.checkRegistration("url", "http://localhost:8080/hook"))
                .hasToString("http://localhost:8080/hook");
        assertThatThrownBy(() -> development.checkRegistration("url", "http://hooks.example.com/"))
                .isInstanceOf(ProblemException.class).hasMessageContaining("must be https");
        assertThatThrownBy(() -> development.checkRegistration("url", "http://10.0.0.5/"))
                .isInstanceOf(ProblemException.class).hasMessageContaining("must be https");
        assertThatThrownBy(() -> development.checkRegistration("url", "https://0.0.0.0/"))
                .isInstanceOf(ProblemException.class).hasMessageContaining("unspecified");
    }

    @Test
    void allowListedNetworksPassAndOthersStayRefused() {
        WebhookUrlPolicy internal = new WebhookUrlPolicy(config("10.1.2.0/24", "fd00::/8"), TABLE);

        assertThat(internal.checkRegistration("url", "https://internal.example.com/h"))
                .hasToString("https://internal.example.com/h");
        assertThat(internal.refusal(address("fd00::5"))).isEmpty();
        assertThat(internal.refusal(address("10.1.3.1"))).contains("private");
        assertThat(internal.refusal(address("127.0.0.1"))).contains("loopback");
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/08", "example.com", "010.0.0.0/8",
        "10.0.0/24", "fe80::1%eth0/64", ""})
    void aBadAllowedNetworkFailsTheStartNamingTheVariable(String network) {
        assertThatThrownBy(() -> config(network)).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("WEFT_WEBHOOKS_ALLOWED_NETWORKS");
    }

    @Test
    void theDeliveryCheckJudgesIpv4CarriedInIpv6() throws UnknownHostException {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = 10;
        InetAddress stillV6 = java.net.Inet6Address.getByAddress(null, mapped, -1);

        assertThat(policy.refusal(stillV6)).contains("private");
        assertThat(policy.refusal(address("93.184.216.34"))).isEmpty();
        assertThat(policy.refusal(address("2606:2800:220:1:248:1893:25c8:1946"))).isEmpty();
        assertThat(policy.refusal(address("169.254.169.254"))).contains("link-local (cloud metadata)");
    }

    @Test
    void aLookupSlowerThanTheBoundCountsAsNotResolving() {
        WebhookUrlPolicy slow = new WebhookUrlPolicy(WebhooksConfig.defaults(), host -> {
            try {
                Thread.sleep(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return List.of(address("93.184.216.34"));
        });
        long start = System.nanoTime();

        assertRefused(slow, "https://slow.example.com/", "host does not resolve");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    }

    private void assertRefused(String url, String reason) {
        assertRefused(policy, url, reason);
    }

    private static void assertRefused(WebhookUrlPolicy policy, String url, String reason) {
        assertThatThrownBy(() -> policy.checkRegistration("url", url)).as(url)
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("webhook_url_refused");
                    assertThat(e.errors()).singleElement().satisfies(error -> {
                        assertThat(error.field()).isEqualTo("url");
                        assertThat(error.message()).contains(reason);
                    });
                });
    }

    /**
     * A resolver that never answers until released: the lookups that outlive the caller's wait keep their permits,
     * so once the bound is reached the next registration is refused at once with 503 dns_busy, not queued, and
     * registrations work again once the lookups return.
     */
    @Test
    void lookupsThatHangAreBoundedAndTheNextRegistrationIsToldToComeBack() throws Exception {
        int bound = 3;
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();
        HostResolver hanging = host -> {
            if (host.equals("hooks.example.com")) {
                return List.of(address("93.184.216.34"));
            }
            running.incrementAndGet();
            try {
                release.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            running.decrementAndGet();
            return List.of();
        };
        WebhookUrlPolicy bounded = new WebhookUrlPolicy(WebhooksConfig.defaults(), hanging, bound);
        try (var callers = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<?>> stuck = new java.util.ArrayList<>();
            for (int i = 0; i < bound; i++) {
                String url = "https://hang" + i + ".example.com/";
                stuck.add(callers.submit(() -> assertRefused(bounded, url, "host does not resolve")));
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> running.get() == bound);

            assertThatThrownBy(() -> bounded.checkRegistration("url", "https://hooks.example.com/"))
                    .isInstanceOfSatisfying(ProblemException.class, e -> {
                        assertThat(e.httpStatus()).isEqualTo(503);
                        assertThat(e.code()).isEqualTo("dns_busy");
                        assertThat(e.retryAfter()).contains(WebhookUrlPolicy.RESOLVE_TIMEOUT);
                    });
            assertThat(bounded.resolve("hooks.example.com")).isEmpty(); // at delivery: counts as not resolving
            for (java.util.concurrent.Future<?> caller : stuck) {
                caller.get(10, java.util.concurrent.TimeUnit.SECONDS); // each gave up after RESOLVE_TIMEOUT
            }
            assertThat(running.get()).isEqualTo(bound); // ...but their lookups still run

            release.countDown();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(bounded.checkRegistration("url", "https://hooks.example.com/"))
                            .hasToString("https://hooks.example.com/"));
        }
    }

    private static WebhooksConfig config(String... networks) {
        WebhooksConfig base = WebhooksConfig.defaults();
        return new WebhooksConfig(false, List.of(networks), base.timeout(), base.maxResponseBytes(), null,
                base.retryFor(), base.disableAfter(), base.maxPerUser());
    }

    static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
