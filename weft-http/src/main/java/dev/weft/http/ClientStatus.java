package dev.weft.http;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.pool.PoolStats;

/**
 * What a client shows about itself: call metrics, pool use and breakers per host, and the breaker controls.
 * Read-only apart from breaker resets. Thread-safe.
 */
final class ClientStatus {
    private final ApiConfig config;
    private final HostGuards guards;
    private final Transport transport;
    private final CallMetrics metrics;

    ClientStatus(ApiConfig config, HostGuards guards, Transport transport, CallMetrics metrics) {
        this.config = config;
        this.guards = guards;
        this.transport = transport;
        this.metrics = metrics;
    }

    ApiMetrics metrics() {
        long refused = 0;
        for (HostGuard guard : guards.all()) {
            refused += guard.budget.refused();
        }
        return metrics.snapshot(refused);
    }

    Map<String, HostPoolStatus> poolStatus() {
        Map<String, HostPoolStatus> status = new HashMap<>();
        for (HttpRoute route : transport.pool.getRoutes()) {
            PoolStats stats = transport.pool.getStats(route);
            HttpHost host = route.getTargetHost();
            String authority = Hosts.authority(host.getSchemeName(), host.getHostName(), host.getPort());
            status.put(authority, new HostPoolStatus(authority, stats.getLeased(), stats.getAvailable(),
                    stats.getPending(), stats.getMax()));
        }
        for (String authority : guards.hosts()) {
            status.putIfAbsent(authority,
                    new HostPoolStatus(authority, 0, 0, 0, config.pool().maxConnectionsPerHost()));
        }
        return status;
    }

    Map<String, BreakerStatus> breakers() {
        Map<String, BreakerStatus> status = new HashMap<>();
        for (HostGuard guard : guards.all()) {
            status.put(guard.authority, guard.breakerStatus());
        }
        return status;
    }

    /** The breaker of {@code host:port}, or of {@code host} on the base URL scheme's default port. */
    CircuitBreakerView circuitBreaker(String host) {
        String authority = host.toLowerCase(Locale.ROOT);
        if (authority.lastIndexOf(':') <= authority.lastIndexOf(']')) {
            authority = Hosts.authority(config.baseUrl().getScheme(), authority, -1);
        }
        HostGuard guard = guards.guard(authority);
        return new CircuitBreakerView() {
            @Override
            public BreakerStatus status() {
                return guard.breakerStatus();
            }

            @Override
            public Duration permittedIn() {
                return guard.permittedIn();
            }

            @Override
            public void reset() {
                guard.resetBreaker();
            }
        };
    }

    void resetCircuitBreakers() {
        guards.all().forEach(HostGuard::resetBreaker);
    }
}
