package dev.weft.faults;

import static dev.weft.faults.DatabaseCrashScenario.ms;
import static dev.weft.faults.DatabaseCrashScenario.statuses;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL fails over to a synchronous standby under write load: a primary ({@code wal_level = replica},
 * {@code synchronous_standby_names = '*'}) and a standby made by {@code pg_basebackup -R}; one service instance
 * pointed at both; the primary crashes ({@code stop -m immediate}) and, {@link #DETECTION} later (what an
 * orchestrator such as Patroni takes to decide), the standby is promoted.
 *
 * <p>How the service is pointed at both: a multi-host {@code DATABASE_URL}
 * ({@code postgresql://postgres@127.0.0.1:P1,127.0.0.1:P2/weft?targetServerType=primary}), which pgjdbc resolves to
 * the writable server: while there is none (primary crashed, standby not yet promoted) calls fail fast with 503,
 * and a write that reaches a read-only server is {@code database_read_only} (503, nothing committed).
 *
 * <p>Promises: no acknowledged write lost (read from the promoted standby); credits conserved; writes resume within
 * {@link #RESUME_BOUND} of the promotion (the figure is reported from the crash and from the promotion).
 */
class DatabaseFailoverScenario extends TempDirScenario {
    static final Duration DETECTION = Duration.ofSeconds(1);
    static final Duration RESUME_BOUND = Duration.ofSeconds(5);
    private static final double RATE = 50;
    private static final long SEED = 17_0002;
    private static final String SCENARIO = "PostgreSQL failover to a synchronous standby (50 req/s)";

    @BeforeAll
    static void sweep() {
        OwnPostgres.sweep("dbfailover");
    }

    @Test
    @Tag("full")
    void primaryCrashesAndTheSynchronousStandbyIsPromoted() throws Exception {
        try (OwnPostgres primary = OwnPostgres.create("dbfailover_p", Map.of("wal_level", "replica"));
                OwnPostgres standby = OwnPostgres.standbyOf(primary, "dbfailover_s")) {
            primary.requireSynchronousStandby();
            try (ServiceProcess service = ServiceProcess.start("a", work, Map.of(
                    "DATABASE_URL", "postgresql://postgres@127.0.0.1:" + primary.port() + ",127.0.0.1:"
                            + standby.port() + "/weft?targetServerType=primary",
                    "WEFT_WORKERS", "0"))) {
                System.out.println(SCENARIO + ": seed " + SEED + ", work " + work);
                failOver(primary, standby, service);
            }
        }
    }

    private void failOver(OwnPostgres primary, OwnPostgres standby, ServiceProcess service) throws Exception {
        Http http = new Http(Duration.ofSeconds(20));
        BankWorkload bank = BankWorkload.open(http, service, "f" + SEED, 20, 1_000);
        long crashedAt;
        long promotedAt;
        try (BankWorkload.Load load = bank.start(List.of(service), RATE, SEED)) {
            TimeUnit.SECONDS.sleep(3);
            crashedAt = System.nanoTime();
            primary.crash();
            TimeUnit.NANOSECONDS.sleep(DETECTION.toNanos() - (System.nanoTime() - crashedAt));
            standby.promote();
            promotedAt = System.nanoTime();
            long since = promotedAt;
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> bank.history().all().stream().anyMatch(op -> op.start() >= since
                            && op.outcome() == History.Outcome.OK && !op.op().equals("read")));
            TimeUnit.SECONDS.sleep(3);
        }
        History.Op firstWrite = bank.history().where(op -> op.start() >= promotedAt
                && op.outcome() == History.Outcome.OK && !op.op().equals("read")).stream().findFirst().orElseThrow();
        double fromPromotion = (firstWrite.end() - promotedAt) / 1e6;
        double fromCrash = (firstWrite.end() - crashedAt) / 1e6;
        // the first write acknowledged after the crash, whenever it was sent
        History.Op anyWrite = bank.history().where(op -> op.end() >= crashedAt && op.outcome() == History.Outcome.OK
                && !op.op().equals("read")).stream().min(java.util.Comparator.comparingLong(History.Op::end))
                .orElseThrow();
        BankLedger.Verdict ledger = BankLedger.check(bank, standby.jdbcUrl());
        List<History.Op> during = bank.history().where(op -> op.start() >= crashedAt && op.start() < firstWrite.end());
        List<String> leaks = ProblemLeaks.in(bank.refusals().stream().map(BankWorkload.Refusal::body).toList());

        Report.record(SCENARIO, "0 acknowledged writes lost (read from the promoted standby)", ledger.toString(),
                ledger.lostWrites().isEmpty() && ledger.phantomWrites().isEmpty());
        Report.record(SCENARIO, "credits conserved", ledger.total() + " of " + ledger.expectedTotal(),
                ledger.conserved());
        Report.record(SCENARIO, "writes resume <= " + RESUME_BOUND.toSeconds() + " s after the promotion ("
                + DETECTION.toSeconds() + " s after the crash)", ms(fromPromotion) + " after the promotion, "
                + ms(fromCrash) + " after the crash; first write acknowledged after the crash at "
                + ms((anyWrite.end() - crashedAt) / 1e6) + "; requests meanwhile: " + statuses(during),
                fromPromotion <= RESUME_BOUND.toMillis());
        Report.record(SCENARIO, "0 internals in problem bodies", leaks.size() + " of " + bank.refusals().size(),
                leaks.isEmpty());
        System.out.println(SCENARIO + ": " + statuses(bank.history().all()) + "; " + ledger + "; leaks " + leaks);

        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(ledger.lostWrites()).as("acknowledged writes lost").isEmpty();
        soft.assertThat(ledger.phantomWrites()).as("refused writes committed").isEmpty();
        soft.assertThat(ledger.conserved()).as("credits conserved: " + ledger).isTrue();
        soft.assertThat(fromPromotion).as("ms from the promotion to the first acknowledged write")
                .isLessThanOrEqualTo(RESUME_BOUND.toMillis());
        soft.assertThat(leaks).as("internals in problem bodies").isEmpty();
        soft.assertAll();
    }
}
