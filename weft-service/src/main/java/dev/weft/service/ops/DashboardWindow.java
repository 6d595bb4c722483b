package dev.weft.service.ops;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The dashboard's last 15 minutes: the {@link Sample}s the {@link DashboardSampler} takes, in a ring of
 * {@link #CAPACITY}, with sums over them (requests per route, finished jobs, webhook attempts, seconds covered) kept as
 * one sample comes in and the oldest goes out, so a page reads them as they are instead of adding up 450 samples.
 *
 * <p>Beside the sums, counters that only grow and move when what a section of the page shows may have: the document
 * builds a section again only when its counter moved ({@link #changes()} sums them), which is what makes an idle
 * service's readings cost an open page almost nothing.
 *
 * <p>Thread-safe: {@link #add} runs on the sampler's thread (or a test's), readers take copies under the lock.
 */
final class DashboardWindow {
    /** How many samples are kept: 15 minutes at {@link DashboardSampler#INTERVAL}. */
    static final int CAPACITY = (int) (Duration.ofMinutes(15).toMillis() / DashboardSampler.INTERVAL.toMillis());

    /**
     * What changed in one interval, per route: requests, server errors (5xx), client errors (4xx) and the latency
     * buckets of {@link LatencyBuckets}.
     *
     * @param requests requests answered
     * @param serverErrors 5xx answers
     * @param clientErrors 4xx answers
     * @param buckets requests per latency bucket (not cumulative), the last one above every bound
     */
    record RouteDelta(long requests, long serverErrors, long clientErrors, long[] buckets) {
        RouteDelta plus(RouteDelta other) {
            return add(other, 1);
        }

        RouteDelta minus(RouteDelta other) {
            return add(other, -1);
        }

        private RouteDelta add(RouteDelta other, int sign) {
            long[] sum = buckets.clone();
            for (int i = 0; i < Math.min(sum.length, other.buckets.length); i++) {
                sum[i] += sign * other.buckets[i];
            }
            return new RouteDelta(requests + sign * other.requests, serverErrors + sign * other.serverErrors,
                    clientErrors + sign * other.clientErrors, sum);
        }
    }

    /**
     * One interval.
     *
     * @param at when it ended, epoch milliseconds
     * @param seconds its length
     * @param routes per {@code METHOD /template}, only routes that answered in it
     * @param latency the service's latency in it, per bucket as in {@link RouteDelta#buckets()}: every route's
     *     requests but the event streams' ({@link dev.weft.service.Routes#eventStream}), whose durations are the
     *     streams' lifetimes (up to 15 minutes), not latencies
     * @param jobs jobs per state at its end ({@code weft.jobs}); empty without the video feature
     * @param finished jobs that reached each final state in it
     * @param poolInUse connections in use at its end
     * @param poolIdle idle connections at its end
     * @param poolWaiting callers waiting for a connection at its end
     * @param queries database operations in it
     * @param queryErrors failed database operations in it
     * @param webhookAttempts webhook delivery attempts in it, by outcome ({@code weft.webhooks.attempts}); empty
     *     without the webhooks feature
     */
    record Sample(long at, double seconds, Map<String, RouteDelta> routes, long[] latency, Map<String, Long> jobs,
            Map<String, Long> finished, int poolInUse, int poolIdle, int poolWaiting, long queries,
            long queryErrors, Map<String, Long> webhookAttempts) {
    }

    private final ArrayDeque<Sample> samples = new ArrayDeque<>(CAPACITY);
    private final Map<String, RouteDelta> routes = new TreeMap<>();
    private final Map<String, Long> finished = new TreeMap<>();
    private final Map<String, Long> webhookAttempts = new TreeMap<>();
    private double seconds;
    // moves whenever the routes or the rates over them do: a full window's idle samples leave it as it is, and the
    // routes section is not built again
    private long routesVersion;
    // moves only when requests come into or leave the window: while the window grows, every sample moves the rates
    // (routesVersion) but not this, so an idle page's readings in a service's first 15 minutes look at no section
    // either, and the rates are shown again at the next review
    private long routesMoves;
    private long finishedVersion;
    // move when the jobs by state differ from the previous sample's, when attempts come into or leave the window, and
    // when queries start or stop failing: with the two above, what changes() sums up
    private long jobsVersion;
    private long webhookAttemptsVersion;
    private long queryFailureFlips;

    /**
     * Appends a sample, and lets the oldest go once the window holds {@link #CAPACITY}.
     *
     * @param sample the newest interval, ending after the previous one
     */
    synchronized void add(Sample sample) {
        Sample previous = samples.peekLast();
        if (previous == null ? !sample.jobs().isEmpty() : !previous.jobs().equals(sample.jobs())) {
            jobsVersion++;
        }
        if ((sample.queryErrors() > 0) != (previous != null && previous.queryErrors() > 0)) {
            queryFailureFlips++;
        }
        if (anyNonZero(sample.webhookAttempts())) {
            webhookAttemptsVersion++;
        }
        boolean grows = samples.size() < CAPACITY;
        if (!grows) {
            remove(samples.removeFirst());
        }
        samples.addLast(sample);
        seconds += sample.seconds();
        if (!sample.routes().isEmpty() || grows && !routes.isEmpty()) {
            routesVersion++; // new requests, or a longer window over the same ones (lower rates)
        }
        if (!sample.routes().isEmpty()) {
            routesMoves++;
        }
        sample.routes().forEach((route, delta) -> routes.merge(route, delta, RouteDelta::plus));
        if (anyNonZero(sample.finished())) {
            finishedVersion++;
        }
        sample.finished().forEach((state, count) -> finished.merge(state, count, Long::sum));
        sample.webhookAttempts().forEach((outcome, count) -> webhookAttempts.merge(outcome, count, Long::sum));
    }

    private void remove(Sample oldest) {
        seconds -= oldest.seconds();
        if (!oldest.routes().isEmpty()) {
            routesVersion++;
            routesMoves++;
        }
        oldest.routes().forEach((route, delta) -> routes.computeIfPresent(route, (key, sum) -> {
            RouteDelta left = sum.minus(delta);
            return left.requests() <= 0 ? null : left;
        }));
        if (anyNonZero(oldest.finished())) {
            finishedVersion++;
        }
        oldest.finished().forEach((state, count) -> finished.merge(state, -count, Long::sum));
        if (anyNonZero(oldest.webhookAttempts())) {
            webhookAttemptsVersion++;
        }
        oldest.webhookAttempts().forEach((outcome, count) -> webhookAttempts.merge(outcome, -count, Long::sum));
    }

    private static boolean anyNonZero(Map<String, Long> counts) {
        for (long count : counts.values()) {
            if (count != 0) {
                return true;
            }
        }
        return false;
    }

    /** @return per route, the sum of the samples kept */
    synchronized Map<String, RouteDelta> routes() {
        return Map.copyOf(routes);
    }

    /** @return jobs that reached each final state in the samples kept */
    synchronized Map<String, Long> finished() {
        return Map.copyOf(finished);
    }

    /** @return webhook delivery attempts by outcome in the samples kept; empty without the webhooks feature */
    synchronized Map<String, Long> webhookAttempts() {
        return Map.copyOf(webhookAttempts);
    }

    /** @return the seconds the samples kept cover */
    synchronized double seconds() {
        return seconds;
    }

    /**
     * @return a number that changes whenever {@link #routes()} does (a sample with requests came in or went out) and
     *     while the window grows towards its 15 minutes; a full window's length moves by milliseconds between
     *     samples, and rates over it are shown as of the last change
     */
    synchronized long routesVersion() {
        return routesVersion;
    }

    /** @return a number that changes whenever {@link #finished()} does */
    synchronized long finishedVersion() {
        return finishedVersion;
    }

    /** @return a number that changes whenever a sample's jobs by state differ from the previous sample's */
    synchronized long jobsVersion() {
        return jobsVersion;
    }

    /**
     * @return a number that moves whenever a sample moved anything the dashboard's sections are built from: the
     *     requests (coming in or leaving, not the rates over a growing window, which {@link #routesVersion()}
     *     follows) or finished jobs in the window, the jobs by state, the webhook attempts in the window, queries
     *     starting or ceasing to fail. A sum of counts that only grow, so it moves when any of them does; idle
     *     samples leave it as it is
     */
    synchronized long changes() {
        return routesMoves + finishedVersion + jobsVersion + webhookAttemptsVersion + queryFailureFlips;
    }

    /**
     * @param since epoch milliseconds
     * @return the samples kept that ended after {@code since}, oldest first: what a page that has the rest lacks
     */
    synchronized List<Sample> samplesAfter(long since) {
        List<Sample> out = new ArrayList<>();
        for (Iterator<Sample> newestFirst = samples.descendingIterator(); newestFirst.hasNext(); ) {
            Sample sample = newestFirst.next();
            if (sample.at() <= since) {
                break;
            }
            out.add(sample);
        }
        return out.reversed();
    }

    /** @return the newest sample, if any */
    synchronized @Nullable Sample latest() {
        return samples.peekLast();
    }

    /** @return the samples kept, oldest first */
    synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }
}
