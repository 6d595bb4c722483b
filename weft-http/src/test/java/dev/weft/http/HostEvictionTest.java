package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.http.testing.Behavior;
import dev.weft.http.testing.FaultServer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An any-host client (a webhook sender, whose hosts are user input) forgets hosts idle for
 * {@link HostGuards#IDLE_EVICTION}: their breakers go, so registering many hosts cannot grow its state for ever; and
 * its meters never name such a host (they may be public, and the hosts are one user's partners). Time is a
 * hand-moved {@code nanoTime}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostEvictionTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void idleHostsAreForgottenWithTheirBreakers() throws Exception {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        AddressPolicy policy = ((AddressPolicy) address -> Optional.empty()).withResolver(host -> List.of(loopback));
        try (FaultServer server = FaultServer.start();
                ApiClient api = ApiClient.builder(ApiConfig.builder("http://hooks.test").name("anyhost")
                        .maxRetries(0).addressPolicy(policy).allowAnyHost(true).build())
                        .clock(Clock.systemUTC(), nanos::get).meterRegistry(registry).build()) {
            server.route("GET", "/ok", Behavior.json(200, "{}"));
            for (int i = 0; i < 5; i++) {
                assertThat(api.get("http://host" + i + ".test:" + server.port() + "/ok").send().status())
                        .isEqualTo(200);
            }
            assertThat(api.breakers()).hasSize(5);

            nanos.addAndGet(HostGuards.IDLE_EVICTION.toNanos() - Duration.ofSeconds(1).toNanos());
            api.get("http://host0.test:" + server.port() + "/ok").send();
            assertThat(api.breakers()).hasSize(5); // not idle long enough yet

            nanos.addAndGet(Duration.ofMinutes(2).toNanos());
            api.get("http://host0.test:" + server.port() + "/ok").send();

            assertThat(api.breakers().keySet()).containsExactly("host0.test:" + server.port());
        }
    }

    @Test
    void hostsOnlyAnyHostAdmitsShareOneHostTagAndHaveNoBreakerGauges() throws Exception {
        try (FaultServer server = FaultServer.start(); ApiClient api = anyHostClient(true)) {
            server.route("GET", "/ok", Behavior.json(200, "{}"));

            for (int i = 0; i < 5; i++) {
                api.get("http://host" + i + ".test:" + server.port() + "/ok?user=" + i).send();
            }

            assertThat(meteredHosts()).containsExactly("{host}");
            assertThat(registry.get("http.client.requests").tag("client.name", "anyhost")
                    .tag("host", "{host}").tag("uri", "http://{host}/{path}").tag("status", "200").timer().count())
                    .isEqualTo(5);
            assertThat(registry.find("weft.http.breaker.state").meters()).isEmpty();
            assertThat(registry.getMeters()).allSatisfy(meter -> assertThat(meter.getId().toString())
                    .doesNotContain("host0").doesNotContain("user="));
        }
    }

    @Test
    void aClientWithoutABreakerHasNoBreakerGauges() throws Exception {
        try (FaultServer server = FaultServer.start();
                ApiClient api = ApiClient.builder(ApiConfig.builder("http://127.0.0.1:" + server.port())
                        .name("nobreaker").breakerEnabled(false).maxRetries(0).build())
                        .meterRegistry(registry).build()) {
            server.route("GET", "/ok", Behavior.json(200, "{}"));

            api.get("/ok").send();

            assertThat(registry.find("weft.http.breaker.state").meters()).isEmpty();
            assertThat(registry.get("http.client.requests").tag("client.name", "nobreaker")
                    .tag("host", "127.0.0.1:" + server.port()).timer().count()).isEqualTo(1);
        }
    }

    private ApiClient anyHostClient(boolean breaker) throws Exception {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        AddressPolicy policy = ((AddressPolicy) address -> Optional.empty()).withResolver(host -> List.of(loopback));
        return ApiClient.builder(ApiConfig.builder("http://hooks.test").name("anyhost").maxRetries(0)
                        .breakerEnabled(breaker).addressPolicy(policy).allowAnyHost(true).build())
                .clock(Clock.systemUTC(), nanos::get).meterRegistry(registry).build();
    }

    /** The {@code host} tags of this client's per-host meters (breaker gauges, request timers). */
    private Set<String> meteredHosts() {
        return registry.getMeters().stream().filter(meter -> "anyhost".equals(meter.getId().getTag("client.name")))
                .map(Meter::getId).map(id -> id.getTag("host")).filter(host -> host != null)
                .collect(Collectors.toSet());
    }
}
