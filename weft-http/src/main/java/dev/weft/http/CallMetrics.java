package dev.weft.http;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * Records calls: Micrometer's {@code http.client.requests} per attempt (the standard name, so existing dashboards
 * work), and the client's own totals, percentiles (HdrHistogram) and a ring of recent calls for
 * {@link ApiClient#metrics()}. Thread-safe.
 *
 * <p>A host that only {@code anyHost} admits (a webhook receiver: user data) never appears in a meter: its
 * attempts are tagged {@code host="{host}"} and {@code uri="<scheme>://{host}/{path}"}, one bounded set of series
 * for all such hosts, and it has no breaker gauge. Meters may be public ({@code /metrics}); the host names one
 * user's integration partners and could fill the registry. The tag is kept, with a placeholder, rather than
 * dropped, because Prometheus wants one set of tag names per meter name across clients. The admin-only
 * {@link ApiClient#metrics()} still shows each call's host.
 */
final class CallMetrics {
    private static final int RECENT = 100;
    /** The {@code host} tag value (and the {@code uri} tag's host) of every host only {@code anyHost} admits. */
    static final String UNLISTED_HOST = "{host}";

    private final String client;
    private final ApiConfig config;
    private final @Nullable MeterRegistry registry;
    private final Clock clock;
    private final Recorder recorder = new Recorder(3);
    private final Histogram total = new Histogram(3);
    private final LongAdder calls = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder cacheHits = new LongAdder();
    private final LongAdder breakerTransitions = new LongAdder();
    private final LongAdder latencyMicros = new LongAdder();
    private final Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> byOutcome = new ConcurrentHashMap<>();
    private final AtomicReferenceArray<ApiMetrics.@Nullable Call> recent = new AtomicReferenceArray<>(RECENT);
    private final AtomicLong recentCount = new AtomicLong();
    private final Map<TimerKey, Timer> timers = new ConcurrentHashMap<>();

    CallMetrics(ApiConfig config, @Nullable MeterRegistry registry, Clock clock) {
        this.config = config;
        this.client = config.name();
        this.registry = registry;
        this.clock = clock;
    }

    private record TimerKey(String method, String host, String uri, int status, String outcome) {
    }

    /** One attempt on the wire, for {@code http.client.requests}. */
    void attempt(String method, String host, String uri, int status, String outcome, long nanos) {
        if (registry == null) {
            return;
        }
        String hostTag = hostTag(host);
        // RequestTarget made an unlisted host's uri "<scheme>://<host>/{path}": the host goes from it too
        String uriTag = hostTag.equals(host) ? uri
                : uri.substring(0, uri.indexOf("://") + 3) + UNLISTED_HOST + "/{path}";
        TimerKey key = new TimerKey(method, hostTag, uriTag, status, outcome);
        timers.computeIfAbsent(key, k -> Timer.builder("http.client.requests")
                .description("Requests sent to external APIs, one per attempt")
                .tag("client.name", client).tag("method", k.method()).tag("host", k.host()).tag("uri", k.uri())
                .tag("status", k.status() == 0 ? "IO_ERROR" : Integer.toString(k.status()))
                .tag("outcome", k.outcome())
                .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** @return the {@code host} tag of {@code host}: itself if code named it, else {@link #UNLISTED_HOST} */
    private String hostTag(String host) {
        return !config.anyHost() || RequestTarget.listed(config, host) ? host : UNLISTED_HOST;
    }

    /**
     * Registers {@code weft.http.breaker.state} for a host: one gauge per state ({@code closed}, {@code open},
     * {@code half_open}, {@code disabled}), 1 for the breaker's current state and 0 for the others, as Resilience4j's
     * {@code resilience4j.circuitbreaker.state} does; tagged {@code client.name} and {@code host} like
     * {@code http.client.requests}. Nothing for a client without a breaker (a gauge would claim one), nor for a host
     * only {@code anyHost} admits (its name must not be a tag, and one gauge cannot hold many breakers' states).
     */
    void breakerGauges(String host, HostGuard guard) {
        if (registry == null || !guard.hasBreaker() || !hostTag(host).equals(host)) {
            return;
        }
        for (BreakerState each : BreakerState.values()) {
            // weakly held, as Micrometer holds a gauge's object: the client's HostGuards keeps the guard
            Gauge.builder("weft.http.breaker.state", guard, held -> held.breakerState() == each ? 1 : 0)
                    .description("1 for the circuit breaker's current state of a host, 0 for the other states")
                    .tag("client.name", client).tag("host", host)
                    .tag("state", each.name().toLowerCase(Locale.ROOT)).register(registry);
        }
    }

    /** Removes the meters tagged with {@code host}: its breaker gauges and its {@code http.client.requests} timers. */
    void forgetHost(String host) {
        if (registry == null) {
            return;
        }
        for (Meter gauge : registry.find("weft.http.breaker.state").tag("client.name", client).tag("host", host)
                .meters()) {
            registry.remove(gauge);
        }
        timers.entrySet().removeIf(entry -> {
            if (!entry.getKey().host().equals(host)) {
                return false;
            }
            registry.remove(entry.getValue());
            return true;
        });
    }

    /** One finished call. */
    void call(String method, String host, String uri, int status, String outcome, int attempts, long nanos,
            boolean failed) {
        calls.increment();
        if (failed) {
            failures.increment();
        }
        long micros = Math.max(1, nanos / 1000);
        recorder.recordValue(Math.min(micros, 3_600_000_000L));
        latencyMicros.add(micros);
        byStatus.computeIfAbsent(status, s -> new LongAdder()).increment();
        byOutcome.computeIfAbsent(outcome, s -> new LongAdder()).increment();
        ApiMetrics.Call record = new ApiMetrics.Call(clock.instant(), method, host, uri, status, outcome, attempts,
                nanos / 1e6);
        // A lock-free ring: every call writes here, so no monitor on the hot path.
        recent.set((int) (recentCount.getAndIncrement() % RECENT), record);
    }

    /** One finished call, timed from its start to {@code nowNanos}. */
    void finish(Call call, int status, String outcome, int attempts, boolean failed, long nowNanos) {
        call(call.request().method().name(), call.target().authority(), call.target().uriTemplate(), status, outcome,
                attempts, nowNanos - call.startNanos(), failed);
    }

    void retry() {
        retries.increment();
    }

    void cacheHit() {
        cacheHits.increment();
    }

    void breakerTransition() {
        breakerTransitions.increment();
    }

    ApiMetrics snapshot(long retriesRefused) {
        Histogram histogram;
        synchronized (total) {
            total.add(recorder.getIntervalHistogram());
            histogram = total.copy();
        }
        long count = calls.sum();
        long failed = failures.sum();
        Map<Integer, Long> statuses = new HashMap<>();
        byStatus.forEach((status, adder) -> statuses.put(status, adder.sum()));
        Map<String, Long> outcomes = new HashMap<>();
        byOutcome.forEach((outcome, adder) -> outcomes.put(outcome, adder.sum()));
        List<ApiMetrics.Call> latest = new ArrayList<>(RECENT);
        long written = recentCount.get();
        for (long i = Math.max(0, written - RECENT); i < written; i++) {
            ApiMetrics.Call call = recent.get((int) (i % RECENT));
            if (call != null) {
                latest.add(call);
            }
        }
        return new ApiMetrics(client, count, count - failed, failed, count == 0 ? 1.0 : (count - failed) / (double) count,
                count == 0 ? 0 : latencyMicros.sum() / 1000.0 / count,
                histogram.getValueAtPercentile(50) / 1000.0, histogram.getValueAtPercentile(95) / 1000.0,
                histogram.getValueAtPercentile(99) / 1000.0, statuses, outcomes, retries.sum(), retriesRefused,
                breakerTransitions.sum(), cacheHits.sum(), latest);
    }

    /** Micrometer's outcome names for a status (SUCCESS, CLIENT_ERROR, ...), or an I/O failure's kind. */
    static String outcome(int status) {
        if (status >= 200 && status < 300) {
            return "SUCCESS";
        }
        if (status >= 300 && status < 400) {
            return "REDIRECTION";
        }
        if (status >= 400 && status < 500) {
            return "CLIENT_ERROR";
        }
        if (status >= 500) {
            return "SERVER_ERROR";
        }
        return "UNKNOWN";
    }
}
