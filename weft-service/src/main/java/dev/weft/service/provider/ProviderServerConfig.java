package dev.weft.service.provider;

import dev.weft.core.InvalidConfigException;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the standalone {@link ProviderServer} ({@code weft provider}).
 *
 * <p>Immutable and thread-safe.
 *
 * @param bind the address to listen on
 * @param port the port; 0 picks a free one
 * @param failRate share of contract calls answered {@code 503} before doing anything, 0..1
 * @param resetRate share of contract calls whose connection is closed without an answer, 0..1
 * @param latency added before every contract call is handled
 * @param rateLimit contract calls per second allowed (over it: {@code 429} with {@code Retry-After}); 0 = no limit
 * @param jobTime how long a job runs before it completes
 * @param seed the seed of the fault draws, so a run can be repeated
 * @param hostileRate share of contract calls answered {@code 200} with a body that breaks the contract (an HTML
 *     error page naming an internal host, truncated JSON, a JSON array, a field of the wrong type), 0..1
 * @param outageAfter when, after the start, the server stops listening for {@link #outageFor()} (connections are
 *     refused, as for a provider that is down); {@link Duration#ZERO} with a zero {@code outageFor}: no outage
 * @param outageFor how long the scheduled outage lasts; then the server listens again on the same port, its jobs
 *     and idempotency records kept
 */
public record ProviderServerConfig(String bind, int port, double failRate, double resetRate, Duration latency,
        int rateLimit, Duration jobTime, long seed, double hostileRate, Duration outageAfter, Duration outageFor) {
    /** Default {@link #jobTime()}. */
    public static final Duration DEFAULT_JOB_TIME = Duration.ofSeconds(2);
    /** Default {@link #seed()}. */
    public static final long DEFAULT_SEED = 42;

    /** Checks the rates and durations. */
    public ProviderServerConfig {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(jobTime, "jobTime");
        Objects.requireNonNull(outageAfter, "outageAfter");
        Objects.requireNonNull(outageFor, "outageFor");
        if (port < 0 || port > 65535) {
            throw new InvalidConfigException("weft.provider.port", port, "must be 0..65535");
        }
        if (!(failRate >= 0 && failRate <= 1)) {
            throw new InvalidConfigException("weft.provider.fail-rate", failRate, "must be 0..1");
        }
        if (!(resetRate >= 0 && resetRate <= 1) || failRate + resetRate > 1) {
            throw new InvalidConfigException("weft.provider.reset-rate", resetRate,
                    "must be 0..1, and fail-rate + reset-rate at most 1");
        }
        if (!(hostileRate >= 0 && hostileRate <= 1) || failRate + resetRate + hostileRate > 1) {
            throw new InvalidConfigException("weft.provider.hostile-rate", hostileRate,
                    "must be 0..1, and fail-rate + reset-rate + hostile-rate at most 1");
        }
        if (outageAfter.isNegative() || outageFor.isNegative() || outageFor.compareTo(Duration.ofHours(1)) > 0) {
            throw new InvalidConfigException("weft.provider.outage-for", outageFor,
                    "outage-after must be >= 0 and outage-for 0..1 hour");
        }
        if (latency.isNegative() || latency.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new InvalidConfigException("weft.provider.latency", latency, "must be 0..1 minute");
        }
        if (rateLimit < 0) {
            throw new InvalidConfigException("weft.provider.rate-limit", rateLimit, "must be >= 0 (0: no limit)");
        }
        if (jobTime.isNegative() || jobTime.compareTo(Duration.ofHours(1)) > 0) {
            throw new InvalidConfigException("weft.provider.job-time", jobTime, "must be 0..1 hour");
        }
    }

    /** @return a faultless server on a free loopback port, jobs of {@link #DEFAULT_JOB_TIME} */
    public static ProviderServerConfig defaults() {
        return new ProviderServerConfig("127.0.0.1", 0, 0, 0, Duration.ZERO, 0, DEFAULT_JOB_TIME, DEFAULT_SEED, 0,
                Duration.ZERO, Duration.ZERO);
    }

    /** @param value the port @return a copy */
    public ProviderServerConfig withPort(int value) {
        return new ProviderServerConfig(bind, value, failRate, resetRate, latency, rateLimit, jobTime, seed,
                hostileRate, outageAfter, outageFor);
    }

    /** @param fail 503 share @param reset reset share @return a copy */
    public ProviderServerConfig withFaults(double fail, double reset) {
        return new ProviderServerConfig(bind, port, fail, reset, latency, rateLimit, jobTime, seed,
                hostileRate, outageAfter, outageFor);
    }

    /** @param value added latency @return a copy */
    public ProviderServerConfig withLatency(Duration value) {
        return new ProviderServerConfig(bind, port, failRate, resetRate, value, rateLimit, jobTime, seed,
                hostileRate, outageAfter, outageFor);
    }

    /** @param value calls per second, 0 for none @return a copy */
    public ProviderServerConfig withRateLimit(int value) {
        return new ProviderServerConfig(bind, port, failRate, resetRate, latency, value, jobTime, seed,
                hostileRate, outageAfter, outageFor);
    }

    /** @param value job duration @return a copy */
    public ProviderServerConfig withJobTime(Duration value) {
        return new ProviderServerConfig(bind, port, failRate, resetRate, latency, rateLimit, value, seed,
                hostileRate, outageAfter, outageFor);
    }

    /** @param value the fault seed @return a copy */
    public ProviderServerConfig withSeed(long value) {
        return new ProviderServerConfig(bind, port, failRate, resetRate, latency, rateLimit, jobTime, value,
                hostileRate, outageAfter, outageFor);
    }

    /** @param value share of hostile answers @return a copy */
    public ProviderServerConfig withHostileRate(double value) {
        return new ProviderServerConfig(bind, port, failRate, resetRate, latency, rateLimit, jobTime, seed, value,
                outageAfter, outageFor);
    }

    /** @param after when the outage starts @param length how long it lasts @return a copy */
    public ProviderServerConfig withOutage(Duration after, Duration length) {
        return new ProviderServerConfig(bind, port, failRate, resetRate, latency, rateLimit, jobTime, seed,
                hostileRate, after, length);
    }

    /** @param value the address @return a copy */
    public ProviderServerConfig withBind(String value) {
        return new ProviderServerConfig(value, port, failRate, resetRate, latency, rateLimit, jobTime, seed,
                hostileRate, outageAfter, outageFor);
    }
}
