package dev.weft.service.ops;

import dev.weft.db.Database;
import dev.weft.db.PoolStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What feeds the dashboard's history: every {@link #INTERVAL} a thread of its own reads the service's Micrometer
 * registry ({@code http.server.requests} with its latency buckets, {@code weft.jobs}, {@code weft.jobs.finished},
 * {@code weft.http.breaker.state}, {@code weft.webhooks.attempts}) and the database's pool and query figures, and
 * hands what changed since the previous reading, as one {@link DashboardWindow.Sample}, to its
 * {@link DashboardWindow} (15 minutes). Nothing here is a second metrics system: each sample is a difference of two
 * readings of the same meters {@code /metrics} shows. It keeps the provider's breakers and their latest transitions
 * itself: a state, not a sum over the window.
 *
 * <p>A reading costs a walk over the registry's meters (a few hundred) and no I/O; the thread sleeps in between.
 *
 * <p>Thread-safe: {@link #sample()} runs on the sampler's thread (or a test's), readers take copies under the lock.
 */
final class DashboardSampler implements AutoCloseable {
    /** How often the meters are read. */
    static final Duration INTERVAL = Duration.ofSeconds(2);
    /** The weft-http client whose breakers the dashboard lists: the provider's ({@code Providers}' client name). */
    static final String PROVIDER_CLIENT = "provider";
    /** Breaker transitions kept per breaker. */
    static final int TRANSITIONS_KEPT = 10;

    private static final Logger LOG = LoggerFactory.getLogger(DashboardSampler.class);

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
    private final DashboardWindow window = new DashboardWindow();
    // moves whenever a breaker's state does: the breakers section is built again only then
    private long breakersVersion;
    private final Map<Meter.Id, long[]> lastTimers = new HashMap<>();
    private final Map<Meter.Id, Double> lastCounters = new HashMap<>();
    private final Map<Meter.Id, Long> lastAttempts = new HashMap<>();
    private final Map<String, String> breakerStates = new TreeMap<>();
    private final Map<String, ArrayDeque<Transition>> transitions = new HashMap<>();
    private volatile double[] boundsMillis = new double[0];
    // METHOD /template of the event-stream routes, kept out of each sample's latency
    private volatile Set<String> eventStreams = Set.of();
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
                    LOG.atWarn().setMessage("dashboard sample failed").addKeyValue("error.type", e.getClass().getName())
                            .addKeyValue("error.message", e.getMessage()).log();
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

    /**
     * Names the routes whose requests stay out of each sample's latency ({@link DashboardWindow.Sample#latency()}).
     *
     * @param routes {@code METHOD /template} of the event-stream routes
     */
    void eventStreams(Set<String> routes) {
        eventStreams = Set.copyOf(routes);
    }

    /** @return {@code METHOD /template} of the event-stream routes; empty until {@link #eventStreams(Set)} */
    Set<String> eventStreams() {
        return eventStreams;
    }

    /** Reads the meters once and appends what changed since the last reading (the first reading only records). */
    synchronized void sample() {
        long now = clock.millis();
        Map<String, DashboardWindow.RouteDelta> routes = routes();
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
        window.add(new DashboardWindow.Sample(now, seconds, routes, latency(routes), jobs(), finished, pool.checkedOut(),
                pool.checkedIn(), pool.waiting(), queryDelta, queryErrorDelta, attempts));
    }

    /** @return how many readings were taken: what the sampler shows changes only when this does */
    synchronized long readings() {
        return readings;
    }

    /** @return the 15 minutes of samples the readings fill */
    DashboardWindow window() {
        return window;
    }

    /** @return a number that changes whenever {@link #breakers()} does: a breaker seen first, or a transition */
    synchronized long breakersVersion() {
        return breakersVersion;
    }

    /**
     * @return a number that moves whenever a reading saw anything the dashboard's sections are built from move: what
     *     {@link DashboardWindow#changes()} counts, and a breaker. An idle service's readings leave it as it is
     */
    long changes() {
        return breakersVersion() + window.changes();
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

    private long[] latency(Map<String, DashboardWindow.RouteDelta> routes) {
        Set<String> streams = eventStreams;
        DashboardWindow.RouteDelta sum = new DashboardWindow.RouteDelta(0, 0, 0, new long[boundsMillis.length + 1]);
        for (Map.Entry<String, DashboardWindow.RouteDelta> route : routes.entrySet()) {
            if (!streams.contains(route.getKey()) && route.getValue().buckets().length == sum.buckets().length) {
                sum = sum.plus(route.getValue());
            }
        }
        return sum.buckets();
    }

    private Map<String, DashboardWindow.RouteDelta> routes() {
        Map<String, DashboardWindow.RouteDelta> out = new TreeMap<>();
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
            DashboardWindow.RouteDelta delta = new DashboardWindow.RouteDelta(requests, server ? requests : 0, client ? requests : 0, buckets);
            out.merge(id.getTag("method") + " " + id.getTag("uri"), delta, DashboardWindow.RouteDelta::plus);
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
}
