package dev.weft.http;

import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link HostGuard} of every host a client has called, created on first use with the host's rate gate (local,
 * or shared through {@link SharedRateStore}) and a log line for each breaker state change. Thread-safe.
 */
final class HostGuards {
    private static final Logger log = LoggerFactory.getLogger(HostGuards.class);

    private final ApiConfig config;
    private final CallMetrics metrics;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final @Nullable SharedRateStore sharedRates;
    private final Map<String, HostGuard> guards = new ConcurrentHashMap<>();

    HostGuards(ApiConfig config, CallMetrics metrics, Clock clock, LongSupplier nanoTime,
            @Nullable SharedRateStore sharedRates) {
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
        this.nanoTime = nanoTime;
        this.sharedRates = sharedRates;
    }

    /** The host's guard, created on first use. */
    HostGuard guard(String authority) {
        HostGuard guard = guards.get(authority);
        return guard != null ? guard : guards.computeIfAbsent(authority, this::create);
    }

    Collection<HostGuard> all() {
        return guards.values();
    }

    Set<String> hosts() {
        return guards.keySet();
    }

    private HostGuard create(String authority) {
        HostGuard created = HostGuard.create(config, authority, clock, nanoTime, rateGate(authority));
        created.onTransition(transition -> {
            metrics.breakerTransition();
            log.atWarn().setMessage("circuit breaker changed state").addKeyValue("client", config.name())
                    .addKeyValue("server.address", authority).addKeyValue("transition", transition).log();
        });
        return created;
    }

    private @Nullable RateGate rateGate(String authority) {
        RateLimitConfig limit = config.rateLimit();
        if (!limit.enabled()) {
            return null;
        }
        return sharedRates != null ? sharedRates.gate(authority, limit.perSecond())
                : RateGate.local(config.name(), limit.perSecond());
    }
}
