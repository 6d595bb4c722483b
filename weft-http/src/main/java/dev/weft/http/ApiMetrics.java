package dev.weft.http;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of one client's calls since it started (the guides' {@code get_api_metrics}). A call is one
 * {@code send}, whatever its attempts; latency covers all attempts and backoff.
 *
 * @param client the client name
 * @param totalCalls calls finished
 * @param successfulCalls calls that returned a response
 * @param failedCalls calls that threw
 * @param successRate successful share, 0..1 (1 before any call)
 * @param averageMs mean latency
 * @param p50Ms median latency
 * @param p95Ms 95th percentile latency
 * @param p99Ms 99th percentile latency
 * @param byStatus final status codes, 0 for calls that got no response
 * @param byOutcome calls per outcome ({@code success}, {@code client_error}, {@code server_error}, {@code timeout},
 *     {@code unreachable}, {@code circuit_open}, {@code rate_limited}, ...)
 * @param retries retries sent
 * @param retriesRefused retries the retry budget refused
 * @param breakerTransitions circuit breaker state changes, all hosts
 * @param cacheHits calls answered from the response cache (fresh or revalidated)
 * @param recent the latest calls, newest last
 */
public record ApiMetrics(String client, long totalCalls, long successfulCalls, long failedCalls, double successRate,
        double averageMs, double p50Ms, double p95Ms, double p99Ms, Map<Integer, Long> byStatus,
        Map<String, Long> byOutcome, long retries, long retriesRefused, long breakerTransitions, long cacheHits,
        List<Call> recent) {

    /** Copies the collections. */
    public ApiMetrics {
        byStatus = Map.copyOf(byStatus);
        byOutcome = Map.copyOf(byOutcome);
        recent = List.copyOf(recent);
    }

    /**
     * One finished call.
     *
     * @param at when it finished
     * @param method the method
     * @param host the {@code host:port}
     * @param uri the path template
     * @param status the final status, 0 without a response
     * @param outcome the outcome
     * @param attempts attempts made
     * @param durationMs latency, all attempts included
     */
    public record Call(Instant at, String method, String host, String uri, int status, String outcome, int attempts,
            double durationMs) {
    }
}
