package dev.weft.service.ops;

import dev.weft.core.ErrorKind;
import dev.weft.core.WeftException;
import dev.weft.db.QueryMetrics;
import dev.weft.service.Access;
import dev.weft.service.EventStreams;
import dev.weft.service.Exchange;
import dev.weft.service.HealthChecks;
import dev.weft.service.Json;
import dev.weft.service.ProblemException;
import dev.weft.service.RouteModule;
import dev.weft.service.Routes;
import dev.weft.service.ServiceContext;
import dev.weft.service.data.WebhookRepository;
import dev.weft.service.jobs.FailedJobs;
import dev.weft.service.webhooks.DeliveryRepository;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The live operations dashboard: {@code GET /} (the page, public: it holds no data and asks for the admin key),
 * {@code GET /admin/dashboard} (admin), the one JSON document the page shows: jobs by state with the latest
 * failures, requests per route with error rate and p50/p95/p99, the database pool and queries, cache hit rates per
 * tier, provider breakers with their transitions, webhook deliveries ({@link DashboardWebhooks}) and every health
 * check, plus the {@link DashboardSampler}'s 15-minute
 * history ({@code since} returns only the newer samples); and {@code GET /admin/dashboard/stream} (admin), the same
 * document as Server-Sent Events, then what changes at each reading ({@link DashboardStream}), which is what the page
 * reads. Its scripts and styles come from {@link StaticAssets}.
 *
 * <p>The sampler runs from start to stop, so the 15 minutes are there when a page opens; a reading only reads meters
 * (no I/O, nothing rendered). The document is rendered once per reading and only while a stream is open or a script
 * polls {@code /admin/dashboard}, and each section only when what it shows may have moved: {@code jobs} on the job
 * counts, a finished job or a new failure; {@code routes} on the sampler's window of requests; {@code breakers} on a
 * transition; {@code webhooks} on attempts (its database figures at most every
 * {@link DashboardWebhooks#PERIOD}); {@code database} and {@code caches} (totals since start) every
 * {@link #TOTALS_PERIOD}; {@code health} every {@link #HEALTH_PERIOD}. {@code database} and {@code health} are also
 * built at once when the database's operations start or stop failing. The sections are looked at only when a reading
 * saw something move ({@link DashboardSampler#changes()}), a read found the database unreachable, or once a
 * {@link #REVIEW_PERIOD}: an idle service's reading sends its sample and looks at no section.
 *
 * <p>Thread-safe. Closing it stops the sampler and ends the streams.
 */
public final class DashboardModule implements RouteModule, AutoCloseable {
    private static final int FAILURES_SHOWN = 10;
    /**
     * How often the health checks run while a page is open (each runs a query or two): sooner when the database's
     * operations start or stop failing, which the sampler sees at every reading.
     */
    static final Duration HEALTH_PERIOD = Duration.ofSeconds(30);
    /**
     * How often the figures totalled since start are read again while a page is open: the {@code database} section
     * (query count and percentiles, slow queries) and the {@code caches} section. What moves every reading (request
     * and query rates, latency, the pool, jobs by state) comes with the samples every {@link DashboardSampler#INTERVAL}.
     */
    static final Duration TOTALS_PERIOD = Duration.ofSeconds(30);
    /**
     * How often the sections are looked at again while the sampler's readings see nothing move (their figures read
     * on a period of their own: {@link #HEALTH_PERIOD}, {@link #TOTALS_PERIOD}, {@link DashboardWebhooks#PERIOD}, all
     * multiples of it). In between, an idle service's reading sends its sample and builds no section.
     */
    static final Duration REVIEW_PERIOD = DashboardWebhooks.PERIOD;
    private static final int SLOW_QUERIES_SHOWN = 5;
    private static final int ERROR_CHARS = 200;
    private static final int SQL_CHARS = 160;
    // addresses and URLs inside a provider's error say where the provider runs: not for a screen
    private static final Pattern URL = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*://\\S+");
    private static final Pattern ADDRESS = Pattern.compile("\\b\\d{1,3}(\\.\\d{1,3}){3}(:\\d+)?\\b|\\[[0-9a-fA-F:]+](:\\d+)?");
    private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}+");

    private final ServiceContext context;
    private final DashboardSampler sampler;
    private final DashboardStream stream;
    private final StaticAssets assets = StaticAssets.create();
    private final Cached<List<Map<String, Object>>> failures;
    private final Cached<Map<String, Object>> health;
    private final Cached<List<Map<String, Object>>> routeRows;
    private final Cached<Map<String, Object>> jobsSection;
    private final Cached<Map<String, Object>> databaseSection;
    private final Cached<List<Map<String, Object>>> cachesSection;
    private final Cached<List<Map<String, Object>>> breakersSection;
    private final DashboardWebhooks webhooks;
    private final AtomicReference<io.micrometer.core.instrument.@Nullable Counter> failedJobsCounter =
            new AtomicReference<>();
    // reads that found the database down or slow and showed what was read before: each makes the next reading look
    // at the sections again, so they are read again as soon as the database answers
    private final AtomicLong unreadable = new AtomicLong();

    private DashboardModule(ServiceContext context) {
        this.context = context;
        this.sampler = new DashboardSampler(context.registry(), context.database(), context.clock());
        FailedJobs failedJobs = FailedJobs.over(context.database());
        // the table is read again only when weft.jobs.finished{state=failed} moved: a page open on an idle service
        // costs no query; health checks (a database probe, the provider's) run every HEALTH_PERIOD
        this.failures = new Cached<>(this::failedCount, () -> jobsFeature()
                ? failedJobs.recent(FAILURES_SHOWN).stream().map(DashboardModule::failure).toList() : List.of(),
                List.of());
        this.health = new Cached<>(() -> periodVersion(HEALTH_PERIOD), this::healthNow,
                Map.of("status", "DOWN", "checks", List.of()));
        // per-route rows (three percentiles each) are built again only when the sampler's window of them moved
        this.routeRows = new Cached<>(sampler.window()::routesVersion, () -> routes(sampler.boundsMillis()), List.of());
        // every section is built again only when what it shows may have moved, so an idle service's reading builds
        // none of them (an unchanged section is neither built, nor compared, nor rendered)
        this.jobsSection = new Cached<>(this::jobsVersion, () -> jobs(sampler.window().latest()), Map.of());
        this.databaseSection = new Cached<>(() -> periodVersion(TOTALS_PERIOD), this::database, Map.of());
        this.cachesSection = new Cached<>(() -> System.nanoTime() / TOTALS_PERIOD.toNanos(), this::caches, List.of());
        this.breakersSection = new Cached<>(sampler::breakersVersion,
                () -> sampler.breakers().stream().map(DashboardModule::breaker).toList(), List.of());
        this.webhooks = new DashboardWebhooks(context.registry(),
                new DeliveryRepository(context.database(), context.clock()),
                new WebhookRepository(context.database(), context.clock()), System::nanoTime);
        this.stream = new DashboardStream(new View(), context.json(), context.clock(), context.registry());
    }

    /**
     * Builds the module and starts its sampler.
     *
     * @param context the service context
     * @return the module, to be closed with the service
     */
    public static DashboardModule open(ServiceContext context) {
        DashboardModule module = new DashboardModule(Objects.requireNonNull(context, "context"));
        // open streams end before the server stops, or it would wait its whole grace for them
        context.onStopping(module.stream::close);
        module.stream.start();
        module.sampler.start(module.stream::afterReading, module.stream::close);
        return module;
    }

    @Override
    public void routes(Routes routes) {
        routes.get("/", Access.PUBLIC, exchange -> assets.serve(exchange, StaticAssets.DASHBOARD_PAGE))
                .get("/admin/dashboard", Access.ADMIN, this::dashboard)
                .eventStream("/admin/dashboard/stream", Access.ADMIN, this::dashboardStream);
    }

    @Override
    public void allRoutes(List<Routes.Route> all) {
        sampler.eventStreams(all.stream().filter(Routes.Route::eventStream)
                .map(route -> route.method().text() + " " + route.template()).collect(Collectors.toUnmodifiableSet()));
    }

    private void dashboard(Exchange exchange) {
        long since = exchange.query("since").map(DashboardModule::since).orElse(0L);
        exchange.responseHeader("Cache-Control", "no-store");
        exchange.sendJson(200, stream.snapshot(since).body());
    }

    private void dashboardStream(Exchange exchange) throws java.io.IOException {
        long since = exchange.query("since").map(DashboardModule::since).orElse(0L);
        stream.stream(exchange, EventStreams.caller(exchange, context.apiKeys()), since);
    }

    /** @return the streams open now */
    int openStreams() {
        return stream.openStreams();
    }

    /** @return how many times the document was rendered */
    long renders() {
        return stream.renders();
    }

    /**
     * @return a number that moves whenever a section may show something new: what the sampler's readings saw move
     *     ({@link DashboardSampler#changes()}), a read that found the database unreachable, and each
     *     {@link #REVIEW_PERIOD}. Counts that only grow, summed, so it moves when any of them does
     */
    private long sectionsVersion() {
        return sampler.changes() + unreadable.get() + webhooks.unreadable()
                + System.nanoTime() / REVIEW_PERIOD.toNanos();
    }

    /**
     * @param period how often the section is read again
     * @return what a section read from the database is read again on: a new period, or queries starting or ceasing
     *     to fail
     */
    private Object periodVersion(Duration period) {
        DashboardWindow.Sample latest = sampler.window().latest();
        boolean queriesFailing = latest != null && latest.queryErrors() > 0;
        // one number: which period of the monotonic clock it is, and whether queries fail (a Long compares in a few
        // bytecodes; a record's equals goes through method handles, which a page's readings run interpreted)
        return System.nanoTime() / period.toNanos() * 2 + (queriesFailing ? 1 : 0);
    }

    /**
     * @return what the jobs section is built again on: jobs by state, the window's finished jobs, the latest failures
     *     (the same list until a job fails, and read again at each reading while the database cannot be read)
     */
    private Object jobsVersion() {
        return new JobsVersion(sampler.window().jobsVersion(), sampler.window().finishedVersion(), failures.get());
    }

    /**
     * @param byState the window's {@link DashboardWindow#jobsVersion()}: it compares each sample's jobs by state
     *     with the previous one's already
     * @param windowFinished the window's {@link DashboardWindow#finishedVersion()}
     * @param failures the latest failures, the same list until it is read again
     */
    private record JobsVersion(long byState, long windowFinished, List<Map<String, Object>> failures) {
        // written out: a record's generated equals goes through method handles, slow in the interpreter, where a
        // page's readings (one every two seconds) run
        @Override
        public boolean equals(Object other) {
            return other instanceof JobsVersion that && byState == that.byState
                    && windowFinished == that.windowFinished && failures == that.failures;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(windowFinished) * 31 + Long.hashCode(byState);
        }
    }

    private static long since(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw ProblemException.invalidField("since", "must be epoch milliseconds");
        }
    }

    /** @return jobs failed since start, as {@code weft.jobs.finished} counts them */
    private Object failedCount() {
        io.micrometer.core.instrument.Counter failed = failedJobsCounter.get();
        if (failed == null) {
            // searched for until the jobs feature registered it (it does so at start): then kept
            failed = context.registry().find("weft.jobs.finished").tag("state", "failed").counter();
            failedJobsCounter.set(failed);
        }
        return failed == null ? 0.0 : failed.count();
    }

    private boolean jobsFeature() {
        return failedJobsCounter.get() != null || context.registry().find("weft.jobs").gauge() != null;
    }

    private Map<String, Object> jobs(DashboardWindow.@Nullable Sample latest) {
        Map<String, Long> finished = new TreeMap<>(sampler.window().finished());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("by_state", latest == null ? Map.of() : latest.jobs());
        out.put("finished_in_window", finished);
        out.put("recent_failures", failures.get());
        return out;
    }

    private List<Map<String, Object>> routes(double[] bounds) {
        Map<String, DashboardWindow.RouteDelta> byRoute = sampler.window().routes();
        double seconds = sampler.window().seconds();
        Set<String> eventStreams = sampler.eventStreams();
        List<Map<String, Object>> out = new ArrayList<>();
        List<Map.Entry<String, DashboardWindow.RouteDelta>> busiestFirst = new ArrayList<>(byRoute.entrySet());
        busiestFirst.sort((a, b) -> Long.compare(b.getValue().requests(), a.getValue().requests()));
        busiestFirst.forEach(entry -> {
            String route = entry.getKey();
            DashboardWindow.RouteDelta delta = entry.getValue();
            int space = route.indexOf(' ');
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("method", route.substring(0, space));
            row.put("route", route.substring(space + 1));
            row.put("requests", delta.requests());
            row.put("requests_per_s", SampleJson.rate(delta.requests(), seconds));
            row.put("server_error_rate", share(delta.serverErrors(), delta.requests()));
            row.put("client_error_rate", share(delta.clientErrors(), delta.requests()));
            row.put("p50_ms", LatencyBuckets.percentile(delta.buckets(), bounds, 0.50));
            row.put("p95_ms", LatencyBuckets.percentile(delta.buckets(), bounds, 0.95));
            row.put("p99_ms", LatencyBuckets.percentile(delta.buckets(), bounds, 0.99));
            row.put("event_stream", eventStreams.contains(route));
            out.add(row);
        });
        return out;
    }

    private Map<String, Object> database() {
        QueryMetrics queries = context.database().queryMetrics();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", context.database().name());
        out.put("pool", OpsViews.pool(context.database().poolStatus()));
        out.put("queries_total", queries.total());
        out.put("queries_failed", queries.failed());
        out.put("query_p50_ms", OpsViews.ms(queries.p50()));
        out.put("query_p99_ms", OpsViews.ms(queries.p99()));
        out.put("slow_threshold_ms", OpsViews.ms(queries.slowThreshold()));
        out.put("slow_query_count", queries.slowQueries().size());
        out.put("slow_queries", queries.slowQueries().reversed().stream().limit(SLOW_QUERIES_SHOWN).map(record -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("sql", clip(record.sql(), SQL_CHARS));
            row.put("duration_ms", OpsViews.ms(record.duration()));
            row.put("started_at", Json.timestamp(record.startedAt()));
            row.put("success", record.success());
            return row;
        }).toList());
        return out;
    }

    private List<Map<String, Object>> caches() {
        List<Map<String, Object>> out = new ArrayList<>();
        context.cacheStats().forEach((name, tiers) -> tiers.forEach((tier, stats) -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("cache", name);
            row.put("tier", tier);
            row.put("hits", stats.hits());
            row.put("misses", stats.misses());
            row.put("hit_rate", stats.hits() + stats.misses() == 0 ? null : stats.hitRate());
            row.put("size", stats.size());
            out.add(row);
        }));
        return out;
    }

    private static Map<String, Object> breaker(DashboardSampler.Breaker breaker) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("client", breaker.client());
        out.put("host", breaker.host());
        out.put("state", breaker.state());
        out.put("transitions", breaker.transitions().stream().map(transition -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("at", Json.timestamp(Instant.ofEpochMilli(transition.at())));
            row.put("from", transition.from());
            row.put("to", transition.to());
            return row;
        }).toList());
        return out;
    }

    private Map<String, Object> healthNow() {
        List<Map<String, Object>> checks = new ArrayList<>();
        boolean up = true;
        for (Map.Entry<String, HealthChecks.Result> result : context.health().runAll().entrySet()) {
            checks.add(HealthModule.check(result.getKey(), result.getValue().healthy(), result.getValue().details()));
            up &= result.getValue().healthy();
        }
        return HealthModule.body(up, checks);
    }

    private static Map<String, Object> failure(FailedJobs.Failure failure) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("job_id", failure.jobId());
        out.put("video_id", failure.videoId());
        out.put("user_id", failure.userId());
        out.put("attempts", failure.attempts());
        out.put("error", sanitise(failure.error()));
        out.put("finished_at", failure.finishedAt() == null ? null : Json.timestamp(failure.finishedAt()));
        return out;
    }

    /**
     * @param error a stored job error
     * @return it on one line, without URLs or network addresses, at most 200 characters
     */
    static String sanitise(@Nullable String error) {
        if (error == null || error.isBlank()) {
            return "failed";
        }
        String text = CONTROL.matcher(error).replaceAll(" ");
        text = URL.matcher(text).replaceAll("[url]");
        text = ADDRESS.matcher(text).replaceAll("[address]");
        return clip(text.strip(), ERROR_CHARS);
    }

    private static String clip(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }

    private static @Nullable Double share(long part, long whole) {
        return whole == 0 ? null : Math.round((double) part / whole * 10_000) / 10_000.0;
    }

    @Override
    public void close() {
        stream.close();
        sampler.close();
    }

    /** What the stream renders: this module's figures. */
    private final class View implements DashboardStream.View {
        @Override
        public Map<String, Object> head() {
            Map<String, Object> head = new LinkedHashMap<>();
            head.put("started_at", Json.timestamp(context.startedAt()));
            head.put("now", context.clock().millis());
            head.put("interval_ms", DashboardSampler.INTERVAL.toMillis());
            head.put("window_ms", DashboardSampler.INTERVAL.toMillis() * DashboardWindow.CAPACITY);
            return head;
        }

        @Override
        public byte[] samplesAfter(long after) {
            return SampleJson.array(sampler.window().samplesAfter(after), sampler.boundsMillis());
        }

        @Override
        public long newestSampleAt() {
            DashboardWindow.Sample latest = sampler.window().latest();
            return latest == null ? 0 : latest.at();
        }

        @Override
        public long sectionsVersion() {
            return DashboardModule.this.sectionsVersion();
        }

        @Override
        public Map<String, Object> sections() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("jobs", jobsSection.get());
            body.put("routes", routeRows.get());
            body.put("database", databaseSection.get());
            body.put("caches", cachesSection.get());
            body.put("breakers", breakersSection.get());
            body.put("webhooks", webhooks.section(sampler.window().webhookAttempts()));
            body.put("health", health.get());
            return body;
        }
    }

    /**
     * @param failure what a read of the database threw
     * @return whether it says the database is down or too slow (not a bug): the dashboard then shows what it read
     *     last instead of failing whole, since an outage is when an operator opens it
     */
    static boolean unreachable(RuntimeException failure) {
        return failure instanceof WeftException weft
                && (weft.kind() == ErrorKind.UNAVAILABLE || weft.kind() == ErrorKind.TIMEOUT);
    }

    /**
     * A value read again only when its version (a counter, a time slot) changed. While the database cannot be read, the
     * value read last (or the given one, before any read) is shown, and the next call reads again.
     */
    private final class Cached<T> {
        private final Supplier<Object> version;
        private final Supplier<T> read;
        private final T beforeAnyRead;
        private final AtomicReference<@Nullable Versioned<T>> last = new AtomicReference<>();

        Cached(Supplier<Object> version, Supplier<T> read, T beforeAnyRead) {
            this.version = version;
            this.read = read;
            this.beforeAnyRead = beforeAnyRead;
        }

        T get() {
            Object now = version.get();
            Versioned<T> kept = last.get();
            if (kept == null || !kept.version().equals(now)) {
                T value;
                try {
                    value = read.get();
                } catch (RuntimeException e) {
                    if (!unreachable(e)) {
                        throw e;
                    }
                    unreadable.incrementAndGet();
                    return kept == null ? beforeAnyRead : kept.value();
                }
                // two pages may both read at once; each gets a fresh value, and the later one is kept
                kept = new Versioned<>(value, now);
                last.set(kept);
            }
            return kept.value();
        }
    }

    private record Versioned<T>(T value, Object version) {
    }
}
