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
 * {@link HostGuards#IDLE_EVICTION}: their breakers and their meters go, so registering many hosts cannot grow its
 * state for ever. Time is a hand-moved {@code nanoTime}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostEvictionTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void idleHostsAreForgottenWithTheirBreakersAndMeters() throws Exception {
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
            assertThat(meteredHosts()).hasSize(5);

            nanos.addAndGet(HostGuards.IDLE_EVICTION.toNanos() - Duration.ofSeconds(1).toNanos());
            api.get("http://host0.test:" + server.port() + "/ok").send();
            assertThat(api.breakers()).hasSize(5); // not idle long enough yet

            nanos.addAndGet(Duration.ofMinutes(2).toNanos());
            api.get("http://host0.test:" + server.port() + "/ok").send();

            assertThat(api.breakers().keySet()).containsExactly("host0.test:" + server.port());
            assertThat(meteredHosts()).containsExactly("host0.test:" + server.port());
        }
    }

    /** The {@code host} tags of this client's per-host meters (breaker gauges, request timers). */
    private Set<String> meteredHosts() {
        return registry.getMeters().stream().filter(meter -> "anyhost".equals(meter.getId().getTag("client.name")))
                .map(Meter::getId).map(id -> id.getTag("host")).filter(host -> host != null)
                .collect(Collectors.toSet());
    }
}
