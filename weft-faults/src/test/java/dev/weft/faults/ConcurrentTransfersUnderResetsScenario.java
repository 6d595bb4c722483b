package dev.weft.faults;

import static dev.weft.faults.DatabaseCrashScenario.statuses;

import dev.weft.core.testing.FaultProxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * 1,000 concurrent random transfers among 50 accounts while the network to PostgreSQL resets every connection for
 * a second ({@link FaultProxy} {@linkplain FaultProxy#down() down} between the service and its own cluster).
 *
 * <p>Promises: credits conserved and no account negative, whatever each transfer's outcome; acknowledged transfers
 * explain the balances (exactly, when at most {@link BankLedger#MAX_UNKNOWN_SEARCHED} outcomes are unknown); no
 * 500; the service transfers again within {@link #AGAIN_BOUND} of the network's return.
 */
class ConcurrentTransfersUnderResetsScenario extends TempDirScenario {
    /** A pool's reconnect backoff tops out at 5 s (HikariCP); twice that is a generous bound. */
    static final Duration AGAIN_BOUND = Duration.ofSeconds(10);
    private static final long SEED = 17_0005;
    private static final String SCENARIO = "1,000 concurrent transfers, connections to PostgreSQL reset for 1 s";

    @BeforeAll
    static void sweep() {
        OwnPostgres.sweep("resettransfers");
    }

    @Test
    @Tag("full")
    void creditsAreConservedWhileConnectionsAreReset() throws Exception {
        try (OwnPostgres postgres = OwnPostgres.create("resettransfers", Map.of());
                FaultProxy proxy = FaultProxy.to(postgres.port());
                ServiceProcess service = ServiceProcess.start("a", work, Map.of("DATABASE_URL",
                        "postgresql://postgres@127.0.0.1:" + proxy.port() + "/weft", "WEFT_WORKERS", "0"))) {
            System.out.println(SCENARIO + ": seed " + SEED + ", work " + work);
            BankWorkload bank = BankWorkload.open(new Http(Duration.ofSeconds(30)), service, "t" + SEED, 50, 1_000);
            SplittableRandom random = new SplittableRandom(SEED);
            List<Long> accounts = bank.accounts();
            long resetAt;
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 1_000; i++) {
                    int from = random.nextInt(accounts.size());
                    int to = (from + 1 + random.nextInt(accounts.size() - 1)) % accounts.size();
                    long amount = 1 + random.nextInt(100);
                    clients.execute(() -> bank.transfer(service, "c", accounts.get(from), accounts.get(to), amount));
                }
                TimeUnit.MILLISECONDS.sleep(300);
                resetAt = System.nanoTime();
                proxy.down();
                TimeUnit.SECONDS.sleep(1);
                proxy.up();
            }
            long back = System.nanoTime();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        bank.transfer(service, "after", accounts.get(0), accounts.get(1), 1);
                        return bank.history().where(op -> op.client().equals("after")).getLast().outcome()
                                == History.Outcome.OK;
                    });
            double againMs = (System.nanoTime() - back) / 1e6;
            BankLedger.Verdict ledger = BankLedger.check(bank, postgres.jdbcUrl());
            List<History.Op> transfers = bank.history().where(op -> op.client().equals("c"));
            long inFlight = transfers.stream().filter(op -> op.start() <= resetAt && op.end() > resetAt).count();
            long errors500 = transfers.stream().filter(op -> op.status() == 500).count();
            List<String> leaks = ProblemLeaks.in(bank.refusals().stream().map(BankWorkload.Refusal::body).toList());

            Report.record(SCENARIO, "credits conserved, none negative", ledger + " (" + inFlight
                    + " transfers in flight when the resets began)", ledger.conserved());
            Report.record(SCENARIO, "acknowledged transfers explain the balances", ledger.balances(),
                    ledger.lostWrites().isEmpty());
            Report.record(SCENARIO, "0 responses of status 500", errors500 + " (" + statuses(transfers) + ")",
                    errors500 == 0);
            Report.record(SCENARIO, "transfers again <= " + AGAIN_BOUND.toSeconds() + " s after the network is back",
                    String.format("after %.0f ms", againMs), againMs <= AGAIN_BOUND.toMillis());
            Report.record(SCENARIO, "0 internals in problem bodies", leaks.size() + " of " + bank.refusals().size(),
                    leaks.isEmpty());
            System.out.println(SCENARIO + ": " + statuses(transfers) + "; " + ledger + "; leaks " + leaks);

            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(ledger.conserved()).as("credits conserved: " + ledger).isTrue();
            soft.assertThat(ledger.lostWrites()).as("acknowledged transfers missing").isEmpty();
            soft.assertThat(errors500).as("500s: " + statuses(transfers)).isZero();
            soft.assertThat(againMs).as("ms until a transfer succeeds again").isLessThanOrEqualTo(AGAIN_BOUND.toMillis());
            soft.assertThat(leaks).as("internals in problem bodies").isEmpty();
            soft.assertAll();
        }
    }
}
