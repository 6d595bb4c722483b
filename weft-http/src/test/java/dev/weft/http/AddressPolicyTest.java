package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.InvalidConfigException;
import dev.weft.http.testing.Behavior;
import dev.weft.http.testing.FaultServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The address policy against a real loopback server: the policy's resolver is the one HC5 connects through (names
 * and IP literals alike), a refused address opens no connection, is not retried and costs the host's breaker
 * nothing, and a name whose answer changes is checked on the new answer.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AddressPolicyTest {
    private static final InetAddress LOOPBACK = literal("127.0.0.1");
    private static final InetAddress REFUSED = literal("127.0.0.3");

    private FaultServer server;
    private final List<String> lookups = new CopyOnWriteArrayList<>();
    private final AtomicReference<List<InetAddress>> answer = new AtomicReference<>(List.of(LOOPBACK));
    /** Resolves every name to {@link #answer}, literals to themselves, and records each lookup. */
    private final HostResolver resolver = host -> {
        lookups.add(host);
        return host.equals("127.0.0.1") ? List.of(LOOPBACK) : answer.get();
    };
    /** Refuses 127.0.0.3 as "private"; allows the rest. */
    private final AddressPolicy policy = ((AddressPolicy) address -> address.equals(REFUSED)
            ? Optional.of("private") : Optional.empty()).withResolver(resolver);

    @BeforeEach
    void start() {
        server = FaultServer.start();
        server.route("GET", "/ok", Behavior.json(200, "{\"ok\":true}"));
        server.route("GET", "/big", Behavior.bigBody(1 << 20));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ApiClient client(String name, int maxRetries) {
        return ApiClient.create(ApiConfig.builder("http://hooks.test:" + server.port()).name(name)
                .maxRetries(maxRetries).keepAlive(false).addressPolicy(policy).allowAnyHost(true)
                .maxResponseBytes(4096).build());
    }

    @Test
    void connectsThroughThePolicysResolverForNamesAndForIpLiterals() {
        try (ApiClient api = client("names", 0)) {
            assertThat(api.get("/ok").send().status()).isEqualTo(200);
            assertThat(api.get("http://127.0.0.1:" + server.port() + "/ok").send().status()).isEqualTo(200);
        }

        assertThat(lookups).containsExactly("hooks.test", "127.0.0.1");
    }

    @Test
    void refusesARefusedAddressWithoutConnectingAndWithoutRetrying() {
        answer.set(List.of(REFUSED));
        try (ApiClient api = client("refused", 3)) {
            assertThatThrownBy(() -> api.get("/ok").send()).isInstanceOfSatisfying(DisallowedAddressException.class,
                    e -> {
                        assertThat(e.reason()).isEqualTo("private");
                        assertThat(e.retryable()).isFalse();
                        assertThat(e.httpStatus()).isEqualTo(400);
                        assertThat(e.code()).isEqualTo("address_not_allowed");
                    });

            assertThat(lookups).hasSize(1);
            assertThat(server.connections()).isZero();
            assertThat(api.breakers().get("hooks.test:" + server.port()).bufferedCalls()).isZero();
        }
    }

    @Test
    void hc5AsksTheResolverAboutAnIpv6LiteralWithoutItsBrackets() {
        AddressPolicy recording = ((AddressPolicy) address -> Optional.empty()).withResolver(host -> {
            lookups.add(host);
            return List.of(literal(host));
        });
        try (ApiClient api = ApiClient.create(ApiConfig.builder("http://hooks.test").name("v6").maxRetries(0)
                .addressPolicy(recording).allowAnyHost(true).build())) {
            try {
                api.get("http://[::1]:" + server.port() + "/ok").send();
            } catch (ApiConnectException notListeningOnIpv6) {
                // the server may listen on IPv4 only; the lookup is what this test is about
            }
        }

        assertThat(lookups).containsExactly("::1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.3", "2130706435", "[::ffff:127.0.0.3]", "[::ffff:7f00:3]"})
    void refusesARefusedIpLiteralBeforeAnyLookup(String host) {
        try (ApiClient api = client("literal", 0)) {
            assertThatThrownBy(() -> api.get("http://" + host + ":" + server.port() + "/ok").send())
                    .isInstanceOfSatisfying(DisallowedAddressException.class,
                            e -> assertThat(e.reason()).isEqualTo("private"));
        }

        assertThat(lookups).isEmpty();
        assertThat(server.connections()).isZero();
    }

    @Test
    void refusesTheHostWhenAnyOfItsAddressesIsRefused() {
        answer.set(List.of(LOOPBACK, REFUSED));
        try (ApiClient api = client("mixed", 0)) {
            assertThatThrownBy(() -> api.get("/ok").send()).isInstanceOf(DisallowedAddressException.class);
        }

        assertThat(server.connections()).isZero();
    }

    @Test
    void checksANewAnswerWhenTheNameRebinds() {
        try (ApiClient api = client("rebind", 0)) {
            assertThat(api.get("/ok").send().status()).isEqualTo(200);
            answer.set(List.of(REFUSED));

            assertThatThrownBy(() -> api.get("/ok").send()).isInstanceOf(DisallowedAddressException.class);
        }

        assertThat(server.requests()).isEqualTo(1);
    }

    @Test
    void aNameThatDoesNotResolveIsAConnectFailure() {
        answer.set(List.of());
        try (ApiClient api = client("unknown", 0)) {
            assertThatThrownBy(() -> api.get("/ok").send()).isInstanceOfSatisfying(ApiConnectException.class,
                    e -> assertThat(e.getCause()).isInstanceOf(UnknownHostException.class));
        }
    }

    @Test
    void anyHostNeedsAnAddressPolicy() {
        assertThatThrownBy(() -> ApiConfig.builder("https://api.example.com").name("open").allowAnyHost(true).build())
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("weft.http.open.any-host");
    }

    @Test
    void aDerivedConfigKeepsThePolicyAndAnyHost() {
        ApiConfig config = ApiConfig.builder("https://api.example.com").name("derived").addressPolicy(policy)
                .allowAnyHost(true).build();

        ApiConfig derived = config.toBuilder().maxRetries(1).build();

        assertThat(derived.addressPolicy()).isSameAs(policy);
        assertThat(derived.anyHost()).isTrue();
        assertThat(config.withRetry(derived.retry()).addressPolicy()).isSameAs(policy);
        assertThatThrownBy(() -> config.withAddressPolicy(AddressPolicy.allowAll()))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("any-host");
        assertThat(config.toString()).contains("anyHost=true", "addressPolicy=on");
    }

    @Test
    void anyHostCallsAnotherHostWithItsOwnBreakerAndKeepsTheUrlsQuery() {
        try (ApiClient api = ApiClient.create(ApiConfig.builder("https://api.example.com").name("anyhost")
                .addressPolicy(policy).allowAnyHost(true).build())) {
            String url = "http://127.0.0.1:" + server.port() + "/ok?a=1&b=x%20y";

            assertThat(api.get(url).query("c", "z").send().status()).isEqualTo(200);

            assertThat(server.recorded().getFirst().query()).isEqualTo("a=1&b=x%20y&c=z");
            assertThat(api.breakers()).containsOnlyKeys("127.0.0.1:" + server.port());
            assertThat(api.metrics().recent().getFirst().uri())
                    .isEqualTo("http://127.0.0.1:" + server.port() + "/{path}");
        }
    }

    @Test
    void aBodyOverTheLimitFailsOnceWithoutRetryOrIsCutWhenStreamed() throws IOException {
        try (ApiClient api = client("capped", 3)) {
            assertThatThrownBy(() -> api.get("/big").send()).isInstanceOfSatisfying(ResponseFormatException.class,
                    e -> assertThat(e.retryable()).isFalse());
            assertThat(server.requests()).isEqualTo(1);

            byte[] head;
            try (ApiStream stream = api.get("/big").stream(); InputStream body = stream.body()) {
                head = body.readNBytes(4096);
            }

            assertThat(head).hasSize(4096);
            assertThat(server.requests()).isEqualTo(2);
        }
    }

    private static InetAddress literal(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
