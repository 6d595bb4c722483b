package dev.weft.service.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.db.Database;
import dev.weft.db.DatabaseConfig;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The arithmetic behind the dashboard's figures, and what it keeps out of a job's error. */
class DashboardSamplerTest {
    /** @return a {@code GET uri} 200 timer of {@code http.server.requests} with buckets at 1 and 10 ms */
    private static Timer requests(SimpleMeterRegistry registry, String uri) {
        return Timer.builder("http.server.requests").tag("method", "GET").tag("uri", uri).tag("status", "200")
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(10)).register(registry);
    }

    @Test
    void keepsFifteenMinutesAndItsSumsAsSamplesComeAndGo(@TempDir Path dir) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Timer timer = requests(registry, "/x");
        try (Database db = Database.create(DatabaseConfig.sqlite(dir.resolve("s.db").toString()))) {
            DashboardSampler sampler = new DashboardSampler(registry, db, Clock.systemUTC());
            sampler.sample(); // the baseline
            for (int i = 0; i < DashboardWindow.CAPACITY + 5; i++) {
                timer.record(Duration.ofMillis(5));
                sampler.sample();
            }

            assertThat(sampler.window().samples()).hasSize(DashboardWindow.CAPACITY);
            DashboardWindow.RouteDelta window = sampler.window().routes().get("GET /x");
            assertThat(window.requests()).isEqualTo(DashboardWindow.CAPACITY);
            assertThat(window.buckets()).containsExactly(0, DashboardWindow.CAPACITY, 0);
            assertThat(LatencyBuckets.percentile(window.buckets(), sampler.boundsMillis(), 0.5)).isEqualTo(5.5);
        }
    }

    @Test
    void leavesEventStreamsOutOfTheLatencyButNotOutOfTheRoutes(@TempDir Path dir) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Timer plain = requests(registry, "/x");
        Timer stream = requests(registry, "/events");
        try (Database db = Database.create(DatabaseConfig.sqlite(dir.resolve("s.db").toString()))) {
            DashboardSampler sampler = new DashboardSampler(registry, db, Clock.systemUTC());
            sampler.eventStreams(java.util.Set.of("GET /events"));
            sampler.sample(); // the baseline
            plain.record(Duration.ofMillis(5));
            plain.record(Duration.ofMillis(5));
            stream.record(Duration.ofMinutes(15)); // a page closed after a stream's whole life
            sampler.sample();

            DashboardWindow.Sample sample = java.util.Objects.requireNonNull(sampler.window().latest());
            assertThat(sample.latency()).containsExactly(0, 2, 0);
            assertThat(LatencyBuckets.percentile(sample.latency(), sampler.boundsMillis(), 0.99))
                    .as("the stream's 15 minutes are no latency").isLessThanOrEqualTo(10.0);
            assertThat(sample.routes()).containsOnlyKeys("GET /x", "GET /events");
            assertThat(sampler.window().routes().get("GET /events").buckets()).containsExactly(0, 0, 1);
        }
    }

    @Test
    void movesTheRoutesVersionOnlyWhenTheWindowOfRoutesMoves(@TempDir Path dir) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Timer timer = Timer.builder("http.server.requests").tag("method", "GET").tag("uri", "/x")
                .tag("status", "200").serviceLevelObjectives(Duration.ofMillis(1)).register(registry);
        try (Database db = Database.create(DatabaseConfig.sqlite(dir.resolve("s.db").toString()))) {
            DashboardSampler sampler = new DashboardSampler(registry, db, Clock.systemUTC());
            sampler.sample(); // the baseline
            long before = sampler.window().routesVersion();
            sampler.sample();
            assertThat(sampler.window().routesVersion()).as("no request, no route in the window").isEqualTo(before);

            long changesBefore = sampler.changes();
            timer.record(Duration.ofMillis(5));
            sampler.sample();
            long afterRequest = sampler.window().routesVersion();
            assertThat(afterRequest).isGreaterThan(before);
            long changesAfterRequest = sampler.changes();
            assertThat(changesAfterRequest).as("a request came into the window").isGreaterThan(changesBefore);
            sampler.sample();
            assertThat(sampler.window().routesVersion()).as("the window grew: its rates fell")
                    .isGreaterThan(afterRequest);
            assertThat(sampler.changes()).as("a growing window's rates alone do not make the sections looked at")
                    .isEqualTo(changesAfterRequest);

            for (int i = 0; i < DashboardWindow.CAPACITY; i++) {
                sampler.sample();
            }
            assertThat(sampler.window().routes()).as("the request left the window").isEmpty();
            assertThat(sampler.changes()).as("the request left the window").isGreaterThan(changesAfterRequest);
            long idle = sampler.window().routesVersion();
            sampler.sample();
            sampler.sample();
            assertThat(sampler.window().routesVersion()).as("a full, idle window").isEqualTo(idle);
        }
    }

    @Test
    void movesTheFinishedVersionOnlyWhenAJobFinishesOrLeavesTheWindow(@TempDir Path dir) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        io.micrometer.core.instrument.Counter failed = registry.counter("weft.jobs.finished", "state", "failed");
        try (Database db = Database.create(DatabaseConfig.sqlite(dir.resolve("s.db").toString()))) {
            DashboardSampler sampler = new DashboardSampler(registry, db, Clock.systemUTC());
            sampler.sample(); // the baseline
            long before = sampler.window().finishedVersion();
            sampler.sample();
            assertThat(sampler.window().finishedVersion()).as("nothing finished").isEqualTo(before);

            failed.increment();
            sampler.sample();
            long afterFailure = sampler.window().finishedVersion();
            assertThat(afterFailure).isGreaterThan(before);
            assertThat(sampler.window().finished()).containsEntry("failed", 1L);
            sampler.sample();
            assertThat(sampler.window().finishedVersion()).as("nothing new").isEqualTo(afterFailure);

            for (int i = 0; i < DashboardWindow.CAPACITY; i++) {
                sampler.sample();
            }
            assertThat(sampler.window().finished()).containsEntry("failed", 0L);
            assertThat(sampler.window().finishedVersion()).as("the failure left the window").isGreaterThan(afterFailure);
        }
    }

    @Test
    void movesTheBreakersVersionOnABreakerSeenFirstOrATransition(@TempDir Path dir) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger(0);
        for (String state : new String[] {"closed", "open"}) {
            io.micrometer.core.instrument.Gauge.builder("weft.http.breaker.state",
                            () -> "open".equals(state) ? open.get() : 1 - open.get())
                    .tag("client.name", DashboardSampler.PROVIDER_CLIENT).tag("host", "provider.example.com:443")
                    .tag("state", state).register(registry);
        }
        try (Database db = Database.create(DatabaseConfig.sqlite(dir.resolve("s.db").toString()))) {
            DashboardSampler sampler = new DashboardSampler(registry, db, Clock.systemUTC());
            long none = sampler.breakersVersion();
            sampler.sample();
            long seen = sampler.breakersVersion();
            assertThat(seen).as("a breaker seen first").isGreaterThan(none);
            sampler.sample();
            assertThat(sampler.breakersVersion()).as("still closed").isEqualTo(seen);

            open.set(1);
            sampler.sample();
            assertThat(sampler.breakersVersion()).as("it opened").isGreaterThan(seen);
            assertThat(sampler.breakers().getFirst().state()).isEqualTo("open");
        }
    }

    @Test
    void movesItsChangesOnlyWhenAReadingSeesSomethingASectionShows(@TempDir Path dir) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        java.util.concurrent.atomic.AtomicLong queued = new java.util.concurrent.atomic.AtomicLong();
        io.micrometer.core.instrument.Gauge.builder("weft.jobs", queued::get).tag("state", "queued")
                .register(registry);
        Timer attempts = Timer.builder("weft.webhooks.attempts").tag("outcome", "delivered").register(registry);
        Timer failedQueries = Timer.builder("weft.db.query").tag("operation", "query").tag("outcome", "error")
                .register(registry);
        try (Database db = Database.create(DatabaseConfig.sqlite(dir.resolve("s.db").toString()))) {
            DashboardSampler sampler = new DashboardSampler(registry, db, Clock.systemUTC());
            sampler.sample(); // the baseline
            sampler.sample();
            long idle = sampler.changes();
            sampler.sample();
            sampler.sample();
            assertThat(sampler.changes()).as("idle readings").isEqualTo(idle);

            queued.set(3);
            sampler.sample();
            long afterJobs = sampler.changes();
            assertThat(afterJobs).as("jobs by state moved").isGreaterThan(idle);
            sampler.sample();
            assertThat(sampler.changes()).as("the same jobs").isEqualTo(afterJobs);

            attempts.record(Duration.ofMillis(1));
            sampler.sample();
            long afterAttempt = sampler.changes();
            assertThat(afterAttempt).as("a webhook attempt").isGreaterThan(afterJobs);

            failedQueries.record(Duration.ofMillis(1));
            sampler.sample();
            long failing = sampler.changes();
            assertThat(failing).as("queries started failing").isGreaterThan(afterAttempt);
            failedQueries.record(Duration.ofMillis(1));
            sampler.sample();
            assertThat(sampler.changes()).as("still failing").isEqualTo(failing);
            sampler.sample();
            assertThat(sampler.changes()).as("they stopped failing").isGreaterThan(failing);
        }
    }

    @Test
    void listsOnlyTheProvidersBreakersNotTheWebhookReceivers(@TempDir Path dir) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        for (String client : new String[] {DashboardSampler.PROVIDER_CLIENT, "webhooks"}) {
            io.micrometer.core.instrument.Gauge.builder("weft.http.breaker.state", () -> 1)
                    .tag("client.name", client).tag("host", client + ".example.com:443").tag("state", "closed")
                    .register(registry);
        }
        try (Database db = Database.create(DatabaseConfig.sqlite(dir.resolve("s.db").toString()))) {
            DashboardSampler sampler = new DashboardSampler(registry, db, Clock.systemUTC());
            sampler.sample();

            assertThat(sampler.breakers()).extracting(DashboardSampler.Breaker::client, DashboardSampler.Breaker::host)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("provider", "provider.example.com:443"));
        }
    }

    @Test
    void answersOnlyNewerSamples(@TempDir Path dir) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MutableClock clock = new MutableClock();
        try (Database db = Database.create(DatabaseConfig.sqlite(dir.resolve("s.db").toString()))) {
            DashboardSampler sampler = new DashboardSampler(registry, db, clock);
            sampler.sample(); // the baseline
            for (int i = 1; i <= 3; i++) {
                clock.millis = 1_000 + 2_000L * i;
                sampler.sample();
            }

            assertThat(sampler.readings()).isEqualTo(4);
            assertThat(sampler.window().samplesAfter(0)).extracting(DashboardWindow.Sample::at)
                    .containsExactly(3_000L, 5_000L, 7_000L);
            assertThat(sampler.window().samplesAfter(3_000)).extracting(DashboardWindow.Sample::at)
                    .containsExactly(5_000L, 7_000L);
            assertThat(sampler.window().samplesAfter(7_000)).isEmpty();
            assertThat(sampler.window().latest()).extracting(DashboardWindow.Sample::at).isEqualTo(7_000L);
        }
    }

    @Test
    void countsQueriesOffTheDatabaseTimersWithoutASnapshot(@TempDir Path dir) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Timer ok = Timer.builder("weft.db.query").tag("operation", "query").tag("outcome", "success").register(registry);
        Timer failed = Timer.builder("weft.db.query").tag("operation", "update").tag("outcome", "error")
                .register(registry);
        try (Database db = Database.create(DatabaseConfig.sqlite(dir.resolve("s.db").toString()))) {
            DashboardSampler sampler = new DashboardSampler(registry, db, Clock.systemUTC());
            ok.record(Duration.ofMillis(1)); // before the baseline: not in any sample
            sampler.sample();
            for (int i = 0; i < 3; i++) {
                ok.record(Duration.ofMillis(1));
            }
            failed.record(Duration.ofMillis(1));

            sampler.sample();

            assertThat(sampler.window().latest()).isNotNull();
            assertThat(sampler.window().latest().queries()).isEqualTo(4);
            assertThat(sampler.window().latest().queryErrors()).isEqualTo(1);
        }
    }

    @Test
    void countsWebhookAttemptsPerIntervalByOutcomeFromTheMeters(@TempDir Path dir) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Timer delivered = Timer.builder("weft.webhooks.attempts").tag("outcome", "delivered").register(registry);
        Timer failed = Timer.builder("weft.webhooks.attempts").tag("outcome", "failed").register(registry);
        try (Database db = Database.create(DatabaseConfig.sqlite(dir.resolve("s.db").toString()))) {
            DashboardSampler sampler = new DashboardSampler(registry, db, Clock.systemUTC());
            failed.record(Duration.ofMillis(1)); // before the baseline: not in any sample
            sampler.sample();
            delivered.record(Duration.ofMillis(1));
            failed.record(Duration.ofMillis(1));
            failed.record(Duration.ofMillis(1));
            sampler.sample();
            failed.record(Duration.ofMillis(1));

            sampler.sample();

            assertThat(sampler.window().samples()).extracting(DashboardWindow.Sample::webhookAttempts).containsExactly(
                    java.util.Map.of("delivered", 1L, "failed", 2L), java.util.Map.of("delivered", 0L, "failed", 1L));
            assertThat(sampler.window().webhookAttempts()).containsExactlyInAnyOrderEntriesOf(
                    java.util.Map.of("delivered", 1L, "failed", 3L));
        }
    }

    @Test
    void readsNoWebhookTablesWithoutTheWebhooksFeature(@TempDir Path dir) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // a database without the webhook tables: any read of them would throw
        try (Database db = Database.create(DatabaseConfig.sqlite(dir.resolve("s.db").toString()))) {
            DashboardWebhooks webhooks = webhooks(registry, db, System::nanoTime);

            java.util.Map<String, Object> section = webhooks.section(java.util.Map.of());

            assertThat(section).containsEntry("enabled", false).containsEntry("by_state", java.util.Map.of())
                    .containsEntry("disabled_webhooks", 0L).containsEntry("recent_failures", java.util.List.of());
        }
    }

    @Test
    void handsOutTheSameWebhooksSectionWhileNothingInItMoved(@TempDir Path dir) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Database db = Database.create(DatabaseConfig.sqlite(dir.resolve("s.db").toString()))) {
            DashboardWebhooks webhooks = webhooks(registry, db, System::nanoTime);
            java.util.Map<String, Object> first = webhooks.section(java.util.Map.of());

            assertThat(webhooks.section(java.util.Map.of())).as("nothing moved: not built again").isSameAs(first);
            java.util.Map<String, Object> moved = webhooks.section(java.util.Map.of("failed", 2L));
            assertThat(moved).isNotSameAs(first).containsEntry("attempts_in_window",
                    new java.util.TreeMap<>(java.util.Map.of("failed", 2L)));
        }
    }

    @Test
    void looksForTheWebhooksFeatureAtMostOnceAMaxAgeWhileItIsAbsent(@TempDir Path dir) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
        try (Database db = Database.create(DatabaseConfig.sqlite(dir.resolve("s.db").toString()))) {
            DashboardWebhooks webhooks = webhooks(registry, db, nanos::get);
            assertThat(webhooks.section(java.util.Map.of())).containsEntry("enabled", false);

            Timer.builder("weft.webhooks.attempts").tag("outcome", "delivered").register(registry);
            nanos.addAndGet(DashboardWebhooks.MAX_AGE.toNanos() - 1);
            assertThat(webhooks.section(java.util.Map.of())).as("not looked for again yet")
                    .containsEntry("enabled", false);

            nanos.addAndGet(1);
            // found: the section now reads the feature's tables, which this database does not have
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> webhooks.section(java.util.Map.of()))
                    .isInstanceOf(RuntimeException.class);
        }
    }

    @Test
    void keepsUrlsAddressesAndLineBreaksOutOfJobErrors() {
        String shown = DashboardModule.sanitise("upstream: GET http://10.0.0.7:9000/jobs/1?token=abc failed\n"
                + "at 192.168.1.20:5432 and [::1]:8080");

        assertThat(shown).isEqualTo("upstream: GET [url] failed at [address] and [address]");
        assertThat(DashboardModule.sanitise(null)).isEqualTo("failed");
        assertThat(DashboardModule.sanitise("x".repeat(500))).hasSize(200);
    }

    /** A clock a test moves by hand. */
    private static final class MutableClock extends Clock {
        private volatile long millis = 1_000;

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return java.time.Instant.ofEpochMilli(millis);
        }

        @Override
        public long millis() {
            return millis;
        }
    }

    private static DashboardWebhooks webhooks(SimpleMeterRegistry registry, Database db,
            java.util.function.LongSupplier nanoTime) {
        return new DashboardWebhooks(registry, new dev.weft.service.webhooks.DeliveryRepository(db, Clock.systemUTC()),
                new dev.weft.service.data.WebhookRepository(db, Clock.systemUTC()), nanoTime);
    }
}
