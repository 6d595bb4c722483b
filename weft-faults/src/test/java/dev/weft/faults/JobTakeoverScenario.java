package dev.weft.faults;

import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Instances that die with jobs in flight: two or three {@code weft serve} on one PostgreSQL of the scenario's own and
 * one provider whose jobs take 6 s (so jobs are mid-flight, leased by a worker that polls the provider), with the
 * product's default job settings (4 workers, the default lease).
 *
 * <p>Takeover time of a job held by an instance that died: from the {@code kill -9} to the moment the {@code jobs}
 * row shows another owner or a final state (the scenario reads the table every 100 ms; the row's {@code updated_at}
 * at that moment, minus the kill's wall time, is reported alongside). Promises (issue 17): every job held by the
 * killed instance taken over &le; 10 s after the kill, 0 lost (every accepted job completes), 0 duplicates (one
 * provider job per job across the instances, one usage row per video); under {@code SIGTERM} the instance exits
 * within 15 s (its 10 s stop timeout and the JVM's exit) and the jobs it parked are finished by another instance,
 * each taken over &le; 10 s after the exit.
 */
class JobTakeoverScenario {
    private static final Duration TAKEOVER_PROMISE = Duration.ofSeconds(10);
    private static final Duration EXIT_PROMISE = Duration.ofSeconds(15);
    private static final List<String> FINAL_STATES = List.of("completed", "failed", "cancelled");

    @BeforeAll
    static void sweep() {
        OwnPostgres.sweep("fjobs");
    }

    @Test
    @Tag("smoke")
    void killNineTakeoverSmoke() throws Exception {
        run(2, 12, false);
    }

    @Test
    @Tag("full")
    void threeInstancesKillNineThenSigterm() throws Exception {
        run(3, 36, true);
    }

    private void run(int instances, int jobs, boolean sigterm) throws Exception {
        String scenario = "kill -9 with jobs in flight (" + instances + " instances, " + jobs + " jobs)";
        Path work = ScenarioLogs.fresh("JobTakeoverScenario-" + instances);
        try (OwnPostgres postgres = OwnPostgres.create("fjobs_takeover" + instances, Map.of());
                ProviderProcess provider = ProviderProcess.start(work, "--job-time", "6s")) {
            // the product's own job settings (workers, lease): the takeover time is theirs to keep
            Map<String, String> env = Map.of("DATABASE_URL", postgres.databaseUrl(),
                    "PROVIDER_URL", provider.url(""));
            List<ServiceProcess> services = new ArrayList<>();
            try (Connection db = DriverManager.getConnection(postgres.jdbcUrl())) {
                for (int i = 0; i < instances; i++) {
                    services.add(ServiceProcess.start(Character.toString('a' + i), work, env));
                }
                ServiceProcess victim = services.get(0);
                ServiceProcess survivor = services.getLast();
                History history = new History();
                VideoJobsClient client = new VideoJobsClient(new Http(Duration.ofSeconds(10)), history);
                VideoJobsClient.User user = client.createUser(victim.url(""), "takeover_" + System.nanoTime()
                        % 100_000);
                submit(client, services, user, 0, jobs);

                Takeover killed = interrupt(db, victim, true);
                SoftAssertions soft = new SoftAssertions();
                Report.record(scenario, "jobs of the killed instance taken over <= " + TAKEOVER_PROMISE.toSeconds()
                        + " s after kill -9", killed.figure(), killed.met());
                soft.assertThat(killed.worstMillis()).as("takeover after kill -9: %s", killed.figure())
                        .isLessThanOrEqualTo(TAKEOVER_PROMISE.toMillis());

                if (sigterm) {
                    ServiceProcess stopped = services.get(1);
                    submit(client, services.subList(1, services.size()), user, jobs, jobs + jobs / 2);
                    Takeover parked = interrupt(db, stopped, false);
                    String scenarioTerm = "SIGTERM under load (" + instances + " instances)";
                    Report.record(scenarioTerm, "exit <= " + EXIT_PROMISE.toSeconds() + " s after SIGTERM",
                            "exit " + parked.exitCode() + " after " + parked.exitMillis() + " ms",
                            parked.exitMillis() <= EXIT_PROMISE.toMillis());
                    Report.record(scenarioTerm, "parked jobs taken over <= " + TAKEOVER_PROMISE.toSeconds()
                            + " s after the exit", parked.figure(), parked.met());
                    soft.assertThat(parked.exitMillis()).as("SIGTERM exit ms").isLessThanOrEqualTo(
                            EXIT_PROMISE.toMillis());
                    soft.assertThat(parked.worstMillis()).as("takeover after SIGTERM: %s", parked.figure())
                            .isLessThanOrEqualTo(TAKEOVER_PROMISE.toMillis());
                }

                boolean allFinal = client.awaitFinal(survivor.url(""), System.nanoTime()
                        + Duration.ofSeconds(90).toNanos(), Duration.ofMillis(250));
                long completed = client.count("completed");
                VideoJobsClient.ProviderStats stats = client.providerStats(provider.url(""));
                long usageDuplicates = count(db, "SELECT COUNT(*) FROM (SELECT video_id FROM model_usage"
                        + " GROUP BY video_id HAVING COUNT(*) > 1) AS twice");
                long usageRows = count(db, "SELECT COUNT(*) FROM model_usage");
                long missingProviderJobs = client.videos().stream().filter(video -> stats.jobsCreated()
                        .getOrDefault(video.jobId() + ":process", 0L) != 1).count();
                long repeated = stats.repeatedProcessCalls(client.videos());
                List<String> illegal = client.illegalTransitions();
                int accepted = client.videos().size();

                Report.record(scenario, "0 jobs lost (every accepted job completes)", completed + " of " + accepted
                        + " completed (" + client.statusCounts() + ")", completed == accepted);
                Report.record(scenario, "exactly once: one provider job per job across instances, one usage row"
                        + " per video", stats.duplicateJobs() + " duplicate provider jobs, " + missingProviderJobs
                        + " jobs without exactly one provider job, " + usageDuplicates + " videos with > 1 usage row ("
                        + usageRows + " rows); " + repeated + " jobs whose process call was repeated with its key",
                        stats.duplicateJobs() == 0 && missingProviderJobs == 0 && usageDuplicates == 0);
                Report.record(scenario, "legal job transitions only, every job final", illegal.size()
                        + " illegal" + (illegal.isEmpty() ? "" : ", e.g. " + illegal.getFirst())
                        + (allFinal ? ", all final" : ", not all final"), illegal.isEmpty() && allFinal);
                soft.assertThat(completed).as("completed jobs: %s", client.statusCounts()).isEqualTo(accepted);
                soft.assertThat(stats.duplicateJobs()).as("duplicate provider jobs").isZero();
                soft.assertThat(missingProviderJobs).as("jobs without exactly one provider job").isZero();
                soft.assertThat(usageDuplicates).as("videos with > 1 usage row").isZero();
                soft.assertThat(usageRows).as("usage rows").isEqualTo(completed);
                soft.assertThat(illegal).as("illegal transitions").isEmpty();
                soft.assertAll();
            } finally {
                services.forEach(ServiceProcess::close);
            }
        }
    }

    private static void submit(VideoJobsClient client, List<ServiceProcess> services, VideoJobsClient.User user,
            int from, int to) {
        for (int i = from; i < to; i++) {
            ServiceProcess via = services.get(i % services.size());
            client.submit(via.url(""), user, via.name(), "takeover-" + i + ".mp4",
                    ("frames " + i).getBytes(StandardCharsets.UTF_8), null);
        }
    }

    /**
     * How the jobs of an interrupted instance were taken over.
     *
     * @param jobs how many non-final jobs it held
     * @param takeoverMillis per job: ms from the kill (or the exit) to another owner or a final state
     * @param updatedAtMillis per job: the row's updated_at at that moment minus the kill's wall time
     * @param exitCode the exit code ({@code kill -9}: 137 or -1 not waited for)
     * @param exitMillis how long SIGTERM took to end the process (0 for kill -9)
     */
    private record Takeover(int jobs, Map<String, Long> takeoverMillis, Map<String, Long> updatedAtMillis,
            int exitCode, long exitMillis) {
        long worstMillis() {
            return jobs == 0 ? Long.MAX_VALUE
                    : takeoverMillis.size() < jobs ? Long.MAX_VALUE
                    : takeoverMillis.values().stream().mapToLong(Long::longValue).max().orElse(0);
        }

        boolean met() {
            return worstMillis() <= TAKEOVER_PROMISE.toMillis();
        }

        String figure() {
            if (jobs == 0) {
                return "the instance held no job when stopped";
            }
            return takeoverMillis.size() + " of " + jobs + " held jobs taken over; worst "
                    + (takeoverMillis.size() < jobs ? "not within the watch" : worstMillis() + " ms")
                    + " (by updated_at: worst " + updatedAtMillis.values().stream().mapToLong(Long::longValue).max()
                    .orElse(-1) + " ms)";
        }
    }

    /**
     * Waits until {@code instance} holds at least two jobs that poll the provider, then kills it ({@code kill -9})
     * or stops it ({@code SIGTERM}), and watches its jobs until another instance has each (or 60 s passed).
     */
    private static Takeover interrupt(Connection db, ServiceProcess instance, boolean kill) throws Exception {
        String prefix = "w-" + instance.pid() + "-%";
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> polling(db, prefix) >= 2);
        Instant wall;
        long from;
        int exitCode;
        long exitMillis = 0;
        List<String> held;
        if (kill) {
            instance.kill();
            wall = Instant.now();
            from = System.nanoTime();
            exitCode = 137;
            held = heldBy(db, prefix);
        } else {
            List<String> before = heldBy(db, prefix);
            long start = System.nanoTime();
            exitCode = instance.stop();
            exitMillis = (System.nanoTime() - start) / 1_000_000;
            wall = Instant.now();
            from = System.nanoTime();
            held = before.stream().filter(job -> !isFinal(db, job)).toList();
        }
        Map<String, Long> takeover = new LinkedHashMap<>();
        Map<String, Long> byUpdatedAt = new HashMap<>();
        long deadline = from + Duration.ofSeconds(60).toNanos();
        while (takeover.size() < held.size() && System.nanoTime() < deadline) {
            for (String job : held) {
                if (takeover.containsKey(job)) {
                    continue;
                }
                try (PreparedStatement select = db.prepareStatement(
                        "SELECT state, lease_owner, updated_at FROM jobs WHERE job_id = ?")) {
                    select.setString(1, job);
                    try (ResultSet row = select.executeQuery()) {
                        row.next();
                        String owner = row.getString("lease_owner");
                        boolean otherOwner = owner != null && !owner.startsWith(prefix.substring(0,
                                prefix.length() - 1));
                        if (otherOwner || FINAL_STATES.contains(row.getString("state"))) {
                            takeover.put(job, (System.nanoTime() - from) / 1_000_000);
                            byUpdatedAt.put(job, row.getTimestamp("updated_at").toInstant().toEpochMilli()
                                    - wall.toEpochMilli());
                        }
                    }
                }
            }
            Thread.sleep(100);
        }
        return new Takeover(held.size(), takeover, byUpdatedAt, exitCode, exitMillis);
    }

    private static List<String> heldBy(Connection db, String prefix) throws SQLException {
        List<String> held = new ArrayList<>();
        try (PreparedStatement select = db.prepareStatement("SELECT job_id FROM jobs WHERE lease_owner LIKE ?"
                + " AND state NOT IN ('completed', 'failed', 'cancelled')")) {
            select.setString(1, prefix);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    held.add(rows.getString(1));
                }
            }
        }
        return held;
    }

    private static long polling(Connection db, String prefix) throws SQLException {
        try (PreparedStatement select = db.prepareStatement(
                "SELECT COUNT(*) FROM jobs WHERE state = 'polling' AND lease_owner LIKE ?")) {
            select.setString(1, prefix);
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private static boolean isFinal(Connection db, String job) {
        try (PreparedStatement select = db.prepareStatement("SELECT state FROM jobs WHERE job_id = ?")) {
            select.setString(1, job);
            try (ResultSet row = select.executeQuery()) {
                return row.next() && FINAL_STATES.contains(row.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long count(Connection db, String sql) throws SQLException {
        try (PreparedStatement select = db.prepareStatement(sql); ResultSet rows = select.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
