package dev.weft.service.ops;

import dev.weft.db.Database;
import dev.weft.db.PoolStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard's bounded history: every {@link #INTERVAL} a thread of its own reads the service's Micrometer registry
 * ({@code http.server.requests} with its latency buckets, {@code weft.jobs}, {@code weft.jobs.finished},
 * {@code weft.http.breaker.state}, {@code weft.webhooks.attempts}) and the database's pool and query figures, and keeps what changed since the
 * previous reading as one {@link Sample} in a ring of {@link #CAPACITY} (15 minutes). Nothing here is a second metrics
 * system: each sample is a difference of two readings of the same meters {@code /metrics} shows.
 *
 * <p>A reading costs a walk over the registry's meters (a few hundred) and no I/O; the thread sleeps in between.
 *
 * <p>Thread-safe: {@link #sample()} runs on the sampler's thread (or a test's), readers take copies under the lock.
 */
final class DashboardSampler implements AutoCloseable {
    /** How often the meters are read. */
    static final Duration INTERVAL = Duration.ofSeconds(2);
    /** How many samples are kept: 15 minutes at {@link #INTERVAL}. */
    static final int CAPACITY = (int) (Duration.ofMinutes(15).toMillis() / INTERVAL.toMillis());
    /** The weft-http client whose breakers the dashboard lists: the provider's ({@code Providers}' client name). */
    static final String PROVIDER_CLIENT = "provider";
    /** Breaker transitions kept per breaker. */
    static final int TRANSITIONS_KEPT = 10;

    private static final Logger LOG = LoggerFactory.getLogger(DashboardSampler.class);

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
    record Sample(long at, double seconds, Map<String, RouteDelta> routes, Map<String, Long> jobs,
            Map<String, Long> finished, int poolInUse, int poolIdle, int poolWaiting, long queries,
            long queryErrors, Map<String, Long> webhookAttempts) {
    }

    /**
     * A breaker's state change seen between two readings.
     *
     * @param at when it was seen, epoch milliseconds
     * @param from the state before
     * @param to the state after
     */
    record Transition(long at, String from, String to) {
    }

    /**
     * A breaker as last read.
     *
     * @param client the client's name
     * @param host the host
     * @param state its state ({@code closed}, {@code open}, {@code half_open}, {@code disabled})
     * @param transitions its latest changes, oldest first
     */
    record Breaker(String client, String host, String state, List<Transition> transitions) {
    }

    private final MeterRegistry registry;
    private final Database db;
    private final Clock clock;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>(CAPACITY);
    // the sums over the samples kept, updated as one comes in and one goes out: a page's poll reads them as they are
    private final Map<String, RouteDelta> windowRoutes = new TreeMap<>();
    private final Map<String, Long> windowFinished = new TreeMap<>();
    private final Map<String, Long> windowWebhookAttempts = new TreeMap<>();
    private double windowSeconds;
    // moves whenever windowRoutes or the rates over it do: a full window's idle readings leave it as it is, and the
    // routes section is not built again
    private long windowRoutesVersion;
    // moves only when requests come into or leave the window: while the window grows, every reading moves the rates
    // (windowRoutesVersion) but not this, so an idle page's readings in a service's first 15 minutes look at no
    // section either, and the rates are shown again at the next review
    private long windowRoutesMoves;
    // move whenever windowFinished, or a breaker's state, does: the jobs and breakers sections are built again only then
    private long windowFinishedVersion;
    private long breakersVersion;
    // move when the jobs by state differ from the previous sample's, when attempts come into or leave the window, and
    // when queries start or stop failing: with the three above, what changes() sums up
    private long jobsVersion;
    private long webhookAttemptsVersion;
    private long queryFailureFlips;
    private final Map<Meter.Id, long[]> lastTimers = new HashMap<>();
    private final Map<Meter.Id, Double> lastCounters = new HashMap<>();
    private final Map<Meter.Id, Long> lastAttempts = new HashMap<>();
    private final Map<String, String> breakerStates = new TreeMap<>();
    private final Map<String, ArrayDeque<Transition>> transitions = new HashMap<>();
    private volatile double[] boundsMillis = new double[0];
    private long lastQueries = -1;
    private long lastQueryErrors;
    private long lastAt;
    private long readings;
    private volatile boolean closed;
    private @Nullable Thread thread;
    private Runnable afterReading = () -> { };
    private Runnable stopped = () -> { };
    private final CpuTime readingCpu = new CpuTime("reading");
    private final CpuTime renderingCpu = new CpuTime("rendering");

    DashboardSampler(MeterRegistry registry, Database db, Clock clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Takes the first reading (the baseline) and starts the sampling thread, whose CPU time it publishes as
     * {@code weft.dashboard.cpu}: {@code work=reading} for the readings (always), {@code work=rendering} for what
     * {@code afterEachReading} does (the document for open pages), so an operator sees what the dashboard costs.
     *
     * @param afterEachReading run on the sampling thread after each later reading
     * @param whenStopped run on the sampling thread as it ends, closed or not (the readings stop)
     */
    void start(Runnable afterEachReading, Runnable whenStopped) {
        afterReading = Objects.requireNonNull(afterEachReading, "afterEachReading");
        stopped = Objects.requireNonNull(whenStopped, "whenStopped");
        sample();
        for (CpuTime work : List.of(readingCpu, renderingCpu)) {
            FunctionCounter.builder("weft.dashboard.cpu", work, CpuTime::seconds).baseUnit("seconds")
                    .tag("work", work.name)
                    .description("CPU time of the dashboard's sampler thread: its readings, and rendering them for "
                            + "open pages")
                    .register(registry);
        }
        // a platform thread, one for the service's life: the JVM measures a platform thread's CPU time, not a
        // virtual thread's
        thread = Thread.ofPlatform().daemon().name("weft-dashboard-sampler").start(this::run);
    }

    private void run() {
        try {
            while (!closed) {
                try {
                    Thread.sleep(INTERVAL);
                    long started = CpuTime.now();
                    sample();
                    long read = CpuTime.now();
                    afterReading.run();
                    readingCpu.add(read - started);
                    renderingCpu.add(CpuTime.now() - read);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (RuntimeException e) {
                    // a meter that failed to read must not end the history; the next interval tries again
                    LOG.atWarn().setMessage("dashboard sample failed").addKeyValue("error", e.toString()).log();
                }
            }
        } finally {
            if (!closed) {
                LOG.atError().setMessage("dashboard sampler ended").log();
            }
            // open streams wait for the next reading without a timer: they end with the readings
            stopped.run();
        }
    }

    /** CPU time spent on one kind of the sampler thread's work. */
    private static final class CpuTime {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
        private final String name;
        private final AtomicLong nanos = new AtomicLong();

        CpuTime(String name) {
            this.name = name;
        }

        /** @return the calling thread's CPU time in nanoseconds, 0 where the JVM cannot measure it */
        static long now() {
            long cpu = THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
            return Math.max(0, cpu);
        }

        void add(long spent) {
            nanos.addAndGet(Math.max(0, spent));
        }

        double seconds() {
            return nanos.get() / 1e9;
        }
    }

    /** Reads the meters once and appends what changed since the last reading (the first reading only records). */
    synchronized void sample() {
        long now = clock.millis();
        Map<String, RouteDelta> routes = routes();
        Map<String, Long> finished = finished();
        Map<String, Long> attempts = webhookAttempts();
        readBreakers(now);
        PoolStatus pool = db.poolStatus();
        long[] queries = queryCounts();
        long queryDelta = lastQueries < 0 ? 0 : Math.max(0, queries[0] - lastQueries);
        long queryErrorDelta = lastQueries < 0 ? 0 : Math.max(0, queries[1] - lastQueryErrors);
        boolean baseline = lastQueries < 0;
        lastQueries = queries[0];
        lastQueryErrors = queries[1];
        double seconds = Math.max(0.001, (now - lastAt) / 1000.0);
        lastAt = now;
        readings++;
        if (baseline) {
            return;
        }
        Map<String, Long> jobs = jobs();
        Sample previous = samples.peekLast();
        if (previous == null ? !jobs.isEmpty() : !previous.jobs().equals(jobs)) {
            jobsVersion++;
        }
        if ((queryErrorDelta > 0) != (previous != null && previous.queryErrors() > 0)) {
            queryFailureFlips++;
        }
        if (anyNonZero(attempts)) {
            webhookAttemptsVersion++;
        }
        boolean grows = samples.size() < CAPACITY;
        if (!grows) {
            Sample oldest = samples.removeFirst();
            windowSeconds -= oldest.seconds();
            if (!oldest.routes().isEmpty()) {
                windowRoutesVersion++;
                windowRoutesMoves++;
            }
            oldest.routes().forEach((route, delta) -> windowRoutes.computeIfPresent(route, (key, sum) -> {
                RouteDelta left = sum.minus(delta);
                return left.requests() <= 0 ? null : left;
            }));
            if (anyNonZero(oldest.finished())) {
                windowFinishedVersion++;
            }
            oldest.finished().forEach((state, count) -> windowFinished.merge(state, -count, Long::sum));
            if (anyNonZero(oldest.webhookAttempts())) {
                webhookAttemptsVersion++;
            }
            oldest.webhookAttempts().forEach((outcome, count) ->
                    windowWebhookAttempts.merge(outcome, -count, Long::sum));
        }
        samples.addLast(new Sample(now, seconds, routes, jobs, finished, pool.checkedOut(), pool.checkedIn(),
                pool.waiting(), queryDelta, queryErrorDelta, attempts));
        windowSeconds += seconds;
        if (!routes.isEmpty() || grows && !windowRoutes.isEmpty()) {
            windowRoutesVersion++; // new requests, or a longer window over the same ones (lower rates)
        }
        if (!routes.isEmpty()) {
            windowRoutesMoves++;
        }
        routes.forEach((route, delta) -> windowRoutes.merge(route, delta, RouteDelta::plus));
        if (anyNonZero(finished)) {
            windowFinishedVersion++;
        }
        finished.forEach((state, count) -> windowFinished.merge(state, count, Long::sum));
        attempts.forEach((outcome, count) -> windowWebhookAttempts.merge(outcome, count, Long::sum));
    }

    private static boolean anyNonZero(Map<String, Long> counts) {
        for (long count : counts.values()) {
            if (count != 0) {
                return true;
            }
        }
        return false;
    }

    /** @return how many readings were taken: what the sampler shows changes only when this does */
    synchronized long readings() {
        return readings;
    }

    /** @return per route, the sum of the samples kept */
    synchronized Map<String, RouteDelta> windowRoutes() {
        return Map.copyOf(windowRoutes);
    }

    /** @return jobs that reached each final state in the samples kept */
    synchronized Map<String, Long> windowFinished() {
        return Map.copyOf(windowFinished);
    }

    /** @return webhook delivery attempts by outcome in the samples kept; empty without the webhooks feature */
    synchronized Map<String, Long> windowWebhookAttempts() {
        return Map.copyOf(windowWebhookAttempts);
    }

    /**
     * @return a number that changes whenever {@link #windowRoutes()} does (a sample with requests came in or went
     *     out) and while the window grows towards its 15 minutes; a full window's length moves by milliseconds
     *     between readings, and rates over it are shown as of the last change
     */
    synchronized long windowRoutesVersion() {
        return windowRoutesVersion;
    }

    /** @return a number that changes whenever {@link #windowFinished()} does */
    synchronized long windowFinishedVersion() {
        return windowFinishedVersion;
    }

    /** @return a number that changes whenever a sample's jobs by state differ from the previous sample's */
    synchronized long jobsVersion() {
        return jobsVersion;
    }

    /** @return a number that changes whenever {@link #breakers()} does: a breaker seen first, or a transition */
    synchronized long breakersVersion() {
        return breakersVersion;
    }

    /**
     * @return a number that moves whenever a reading saw anything the dashboard's sections are built from move: the
     *     window of requests (requests coming in or leaving it, not the rates over a growing window, which
     *     {@link #windowRoutesVersion()} follows) or of finished jobs, the jobs by state, a breaker, the webhook
     *     attempts in the window, queries starting or ceasing to fail. A sum of counts that only grow, so it moves
     *     when any of them does; an idle service's readings leave it as it is
     */
    synchronized long changes() {
        return windowRoutesMoves + windowFinishedVersion + breakersVersion + jobsVersion + webhookAttemptsVersion
                + queryFailureFlips;
    }

    /** @return the seconds the samples kept cover */
    synchronized double windowSeconds() {
        return windowSeconds;
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


    /** @return the upper bounds of the latency buckets in milliseconds; empty before the first request */
    double[] boundsMillis() {
        return boundsMillis.clone();
    }

    /** @return every breaker seen, by client and host */
    synchronized List<Breaker> breakers() {
        List<Breaker> out = new ArrayList<>();
        breakerStates.forEach((key, state) -> {
            int split = key.indexOf('\n');
            out.add(new Breaker(key.substring(0, split), key.substring(split + 1), state,
                    List.copyOf(transitions.getOrDefault(key, new ArrayDeque<>()))));
        });
        return out;
    }

    private Map<String, RouteDelta> routes() {
        Map<String, RouteDelta> out = new TreeMap<>();
        for (Timer timer : registry.find("http.server.requests").timers()) {
            Meter.Id id = timer.getId();
            long[] now = LatencyBuckets.read(timer);
            if (boundsMillis.length != now.length - 2) {
                boundsMillis = LatencyBuckets.boundsMillis(timer.takeSnapshot().histogramCounts());
            }
            long[] before = lastTimers.put(id, now);
            long requests = now[0] - (before == null ? 0 : before[0]);
            if (before == null && lastQueries < 0 || requests <= 0) {
                continue; // the baseline, or nothing new on this series
            }
            long[] buckets = new long[now.length - 1];
            for (int i = 1; i < now.length; i++) {
                buckets[i - 1] = now[i] - (before == null ? 0 : before[i]);
            }
            String status = Objects.requireNonNullElse(id.getTag("status"), "0");
            boolean server = status.startsWith("5");
            boolean client = status.startsWith("4");
            RouteDelta delta = new RouteDelta(requests, server ? requests : 0, client ? requests : 0, buckets);
            out.merge(id.getTag("method") + " " + id.getTag("uri"), delta, RouteDelta::plus);
        }
        return out;
    }

    /**
     * @return database operations so far and the failed ones among them, from weft-db's {@code weft.db.query} timers:
     *     two counters read, where the database's own snapshot ({@link Database#queryMetrics()}) walks its latency
     *     histogram three times (the largest item in JFR's samples of a dashboard poll, docs/BENCHMARKS.md)
     */
    private long[] queryCounts() {
        long total = 0;
        long failed = 0;
        for (Timer timer : registry.find("weft.db.query").timers()) {
            long count = timer.count();
            total += count;
            if (!"success".equals(timer.getId().getTag("outcome"))) {
                failed += count;
            }
        }
        return new long[] {total, failed};
    }

    private Map<String, Long> jobs() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Gauge gauge : registry.find("weft.jobs").gauges()) {
            out.put(Objects.requireNonNullElse(gauge.getId().getTag("state"), "unknown"), Math.round(gauge.value()));
        }
        return out;
    }

    private Map<String, Long> finished() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Counter counter : registry.find("weft.jobs.finished").counters()) {
            Double before = lastCounters.put(counter.getId(), counter.count());
            long delta = Math.round(counter.count() - (before == null ? 0 : before));
            out.merge(Objects.requireNonNullElse(counter.getId().getTag("state"), "unknown"),
                    lastQueries < 0 ? 0 : delta, Long::sum);
        }
        return out;
    }

    private Map<String, Long> webhookAttempts() {
        Map<String, Long> out = new TreeMap<>();
        for (Timer timer : registry.find("weft.webhooks.attempts").timers()) {
            long count = timer.count();
            Long before = lastAttempts.put(timer.getId(), count);
            long delta = lastQueries < 0 ? 0 : Math.max(0, count - (before == null ? 0 : before));
            out.merge(Objects.requireNonNullElse(timer.getId().getTag("outcome"), "unknown"), delta, Long::sum);
        }
        return out;
    }

    private void readBreakers(long now) {
        // Only the provider's: the webhooks client has a breaker per receiving host, user-supplied addresses that
        // grow with every host and have their own section (DashboardWebhooks).
        for (Gauge gauge : registry.find("weft.http.breaker.state").tag("client.name", PROVIDER_CLIENT).gauges()) {
            if (gauge.value() < 0.5) {
                continue;
            }
            String key = Objects.requireNonNullElse(gauge.getId().getTag("client.name"), "client") + "\n"
                    + Objects.requireNonNullElse(gauge.getId().getTag("host"), "host");
            String state = Objects.requireNonNullElse(gauge.getId().getTag("state"), "unknown");
            String before = breakerStates.put(key, state);
            if (!state.equals(before)) {
                breakersVersion++;
            }
            if (before != null && !before.equals(state)) {
                ArrayDeque<Transition> kept = transitions.computeIfAbsent(key, k -> new ArrayDeque<>());
                if (kept.size() == TRANSITIONS_KEPT) {
                    kept.removeFirst();
                }
                kept.addLast(new Transition(now, before, state));
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        Thread running = thread;
        if (running != null) {
            running.interrupt();
        }
    }

    /**
     * Reads a percentile off latency buckets as Prometheus's {@code histogram_quantile} does: linear within the
     * bucket that holds it; above the highest bound it answers that bound.
     *
     * @param buckets requests per bucket (not cumulative), the last above every bound
     * @param boundsMillis the buckets' upper bounds
     * @param quantile 0..1
     * @return the latency in milliseconds, or {@code null} without requests
     */
    static @Nullable Double percentile(long[] buckets, double[] boundsMillis, double quantile) {
        long total = 0;
        for (long count : buckets) {
            total += count;
        }
        if (total == 0 || boundsMillis.length == 0) {
            return null;
        }
        double rank = quantile * total;
        long seen = 0;
        for (int i = 0; i < buckets.length; i++) {
            if (buckets[i] > 0 && seen + buckets[i] >= rank) {
                if (i >= boundsMillis.length) {
                    return boundsMillis[boundsMillis.length - 1];
                }
                double lower = i == 0 ? 0 : boundsMillis[i - 1];
                double share = (rank - seen) / buckets[i];
                return Math.round((lower + (boundsMillis[i] - lower) * share) * 100) / 100.0;
            }
            seen += buckets[i];
        }
        return boundsMillis[boundsMillis.length - 1];
    }

    /** The fixed latency buckets of {@code http.server.requests}, read from a timer's snapshot. */
    static final class LatencyBuckets {
        private LatencyBuckets() {
        }

        /**
         * @param timer an {@code http.server.requests} timer
         * @return its count, then its requests per bucket (cumulative over time, not across buckets), the last
         *     entry counting requests above the highest bound
         */
        static long[] read(Timer timer) {
            CountAtBucket[] cumulative = timer.takeSnapshot().histogramCounts();
            long count = timer.count();
            long[] out = new long[cumulative.length + 2];
            out[0] = count;
            double below = 0;
            for (int i = 0; i < cumulative.length; i++) {
                // Micrometer's Prometheus histograms count cumulatively across buckets, as `le` does
                out[i + 1] = Math.round(cumulative[i].count() - below);
                below = cumulative[i].count();
            }
            out[out.length - 1] = Math.max(0, count - Math.round(below));
            return out;
        }

        /**
         * @param bounds the buckets' upper bounds
         * @return the bounds in milliseconds, from a timer's snapshot
         */
        static double[] boundsMillis(CountAtBucket[] bounds) {
            double[] out = new double[bounds.length];
            for (int i = 0; i < bounds.length; i++) {
                out[i] = bounds[i].bucket(TimeUnit.MILLISECONDS);
            }
            return out;
        }
    }
}
