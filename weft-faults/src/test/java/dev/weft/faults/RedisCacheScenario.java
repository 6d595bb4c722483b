package dev.weft.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The profile cache of three instances over one Redis, with Redis up, killed and hung (issue 17's table): a
 * {@code PATCH} or {@code DELETE} through instance {@code a}, readers on {@code b} and {@code c} reading
 * {@code GET /user-profile/{id}} in tight loops, every operation in a {@link History} checked afterwards by
 * {@link StaleReads}. Promises:
 * <ul>
 *   <li>0 stale reads after a write's response, on any instance, with Redis up, killed or hung;</li>
 *   <li>0 reads of a deleted user after the delete's 204;</li>
 *   <li>read p99 &lt; 50 ms while Redis is down or hung, every read answered from the database;</li>
 *   <li>no {@code X-Cache: hit} on {@code b} or {@code c} while Redis is down (a local tier that cannot hear
 *       invalidations must not serve, nor be refilled);</li>
 *   <li>a {@code PATCH} p99 &lt; 500 ms while Redis is hung;</li>
 *   <li>every instance serving hits again within 10 s of Redis being back.</li>
 * </ul>
 * The three instances start once for the class (about 20 s); each scenario uses users of its own. The seed is the
 * {@code weft.faults.seed} system property (default 17) and is printed.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class RedisCacheScenario {
    private static final long SEED = Long.getLong("weft.faults.seed", 17L);
    private static final Path WORK = Path.of("target", "faults-logs", "RedisCacheScenario");
    private static final double READ_P99_MILLIS = 50;
    private static final double PATCH_P99_MILLIS = 500;
    private static final Duration BACK_TO_HITS = Duration.ofSeconds(10);

    private static ProfileCluster cluster;
    private static int runs;

    @BeforeAll
    static void startThreeInstancesOverOneRedis() throws IOException {
        System.out.println("RedisCacheScenario seed " + SEED + " (-Dweft.faults.seed=" + SEED + " repeats it), logs in "
                + WORK.toAbsolutePath());
        deleteRecursively(WORK);
        Files.createDirectories(WORK);
        OwnPostgres.sweep("fcache");
        cluster = ProfileCluster.start(WORK, "fcache");
    }

    @AfterAll
    static void stopThem() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Tag("smoke")
    void redisUpReadsOnOtherInstancesSeeAWriteOnceItsResponseReturned() throws Exception {
        readAfterWrite("cache: Redis up, 3 instances, read-after-write (smoke, 60 writes)", 60);
    }

    @Test
    @Tag("full")
    void redisUpReadsOnOtherInstancesSeeEveryOneOfManyWrites() throws Exception {
        readAfterWrite("cache: Redis up, 3 instances, read-after-write (300 writes)", 300);
    }

    @Test
    @Tag("smoke")
    void redisKilledBrieflyNoInstanceServesAnOldOrDeletedProfile() throws Exception {
        redisKilled("cache: Redis killed 3 s, 3 instances (smoke)", 3, 2, Duration.ofSeconds(3), true);
    }

    @Test
    @Tag("full")
    void redisKilledNoInstanceServesAnOldOrDeletedProfile() throws Exception {
        redisKilled("cache: Redis killed, 3 instances, reads for 8 s", 15, 5, Duration.ofSeconds(8), false);
    }

    @Test
    @Tag("full")
    void redisHungReadsAndWritesStayFastAndFresh() throws Exception {
        redisHung("cache: Redis hung (SIGSTOP) 10 s, 3 instances", 5, Duration.ofSeconds(10));
    }

    /**
     * Single-flight across instances: 60 reads of one cold profile start together, 20 on each instance; the
     * profile is loaded from the database once in all (per-JVM single flight, then the Redis lease across JVMs).
     * Loads are counted from each instance's {@code cache_loads_total} for {@code weft-profiles}.
     */
    @Test
    @Tag("full")
    void coldReadsOnThreeInstancesLoadTheProfileOnce() throws Exception {
        String scenario = "cache: Redis up, 3 instances, 60 concurrent reads of one cold profile";
        createWarmUsers("listening", 1); // every instance hears invalidations again (an earlier fault may have ended)
        long id = cluster.createUser("cold" + SEED + "_" + runs);
        Http http = new Http(Duration.ofSeconds(10));
        Map<String, Double> before = new HashMap<>();
        for (ServiceProcess instance : cluster.instances()) {
            before.put(instance.name(), profileLoads(http, instance));
        }
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<Integer> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
        try (java.util.concurrent.ExecutorService readers =
                java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 60; i++) {
                ServiceProcess on = cluster.instances().get(i % 3);
                readers.submit(() -> {
                    go.await();
                    Http.Answer answer = Http.orNull(() -> http.get(on.url("/user-profile/" + id), Http.admin()));
                    statuses.add(answer == null ? 0 : answer.status());
                    return null;
                });
            }
            go.countDown();
        }
        double counted = 0;
        for (ServiceProcess instance : cluster.instances()) {
            counted += profileLoads(http, instance) - before.get(instance.name());
        }
        double loads = counted;
        long ok = statuses.stream().filter(status -> status == 200).count();
        String figure = String.format(Locale.ROOT, "%.0f loads for %d reads (%d answered 200)", loads,
                statuses.size(), ok);
        Report.record(scenario, "the profile is loaded once across the instances", figure, loads == 1 && ok == 60);
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(ok).as(figure).isEqualTo(60);
            soft.assertThat(loads).as(figure).isEqualTo(1.0);
        });
    }

    /** The instance's profile-cache loads: the largest count among its tiers, as each tier may count the load. */
    private static double profileLoads(Http http, ServiceProcess instance) throws Exception {
        double most = 0;
        for (String line : http.get(instance.url("/metrics"), Http.admin()).body().lines().toList()) {
            if (line.startsWith("cache_loads_total{") && line.contains("cache=\"weft-profiles\"")
                    && line.contains("result=\"success\"")) {
                most = Math.max(most, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
            }
        }
        return most;
    }

    /**
     * Trials of "write through a; as soon as its response returns, read on b and c": the readers follow the user
     * being written in tight loops, so each has that user in its local tier when the write lands.
     */
    private void readAfterWrite(String scenario, int trials) throws Exception {
        Random random = new Random(SEED);
        List<Long> users = createWarmUsers("up", 3);
        Map<Long, Integer> versions = new HashMap<>();
        History history = new History();
        AtomicLong current = new AtomicLong(users.getFirst());
        Http http = new Http(Duration.ofSeconds(10));

        try (ReadLoops readers = ReadLoops.start(cluster, history, List.of(cluster.b(), cluster.c()),
                read -> current.get())) {
            for (int trial = 0; trial < trials; trial++) {
                long id = users.get(trial % users.size());
                current.set(id);
                readers.awaitReads(3, Duration.ofSeconds(10)); // each reader has the current version in its tiers
                Thread.sleep(random.nextInt(10));
                cluster.write(http, history, cluster.a(), id, versions.merge(id, 1, Integer::sum));
                readers.awaitReads(3, Duration.ofSeconds(10)); // at least two reads each after the response
                Thread.sleep(random.nextInt(10));
            }
        }

        List<History.Op> writes = history.where(op -> op.op().equals(ProfileCluster.WRITE));
        List<History.Op> reads = reads(history, op -> true);
        List<StaleReads.Stale> stale = StaleReads.find(history);
        int streams = 0;
        for (int i = 0; i < writes.size(); i++) {
            History.Op write = writes.get(i);
            long until = i + 1 < writes.size() ? writes.get(i + 1).start() : Long.MAX_VALUE;
            for (String reader : List.of("b", "c")) {
                boolean any = reads.stream().anyMatch(op -> op.client().equals(reader)
                        && op.key().equals(write.key()) && op.start() > write.end() && op.start() < until);
                streams += any ? 1 : 0;
            }
        }
        Set<String> staleStreams = new HashSet<>();
        stale.forEach(read -> staleStreams.add(read.read().client() + "/" + read.missed().start()));
        long hits = reads.stream().filter(op -> op.op().equals(ProfileCluster.READ + " hit")).count();
        long acknowledged = writes.stream().filter(op -> op.outcome() == History.Outcome.OK).count();

        String staleFigure = String.format(Locale.ROOT,
                "%d stale reads in %d of %d read streams on b/c (%.1f%%)%s; %d writes acknowledged, %d reads",
                stale.size(), staleStreams.size(), streams, 100.0 * staleStreams.size() / Math.max(1, streams),
                latest(stale), acknowledged, reads.size());
        Report.record(scenario, "0 stale reads on b/c after a's PATCH returned", staleFigure, stale.isEmpty());
        double hitShare = (double) hits / Math.max(1, reads.size());
        String hitFigure = String.format(Locale.ROOT, "%.1f%% hits of %d reads on b/c", 100 * hitShare, reads.size());
        Report.record(scenario, "the cache serves (>= 50% hits on b/c between writes)", hitFigure, hitShare >= 0.5);
        System.out.println(scenario + ": " + staleFigure + "; " + hitFigure + "; first stale: " + first(stale));

        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(acknowledged).as("writes acknowledged").isEqualTo(trials);
            soft.assertThat(stale.size()).as("stale reads: " + staleFigure + "; first: " + first(stale)).isZero();
            soft.assertThat(hitShare).as(hitFigure).isGreaterThanOrEqualTo(0.5);
        });
    }

    /**
     * Warm profiles on every instance; kill Redis; PATCH {@code patched} users and DELETE {@code deleted} users
     * through a; read every user round and round on b and c for {@code window} after the last write; start Redis
     * again and wait until every instance serves hits. The smoke variant, which runs in every CI run on shared
     * machines, bounds the read p99 by 50 ms or twice the p99 measured before the kill, whichever is larger: it
     * still catches reads that wait for Redis (hundreds of ms), without failing on a loaded machine whose p99 is
     * above 50 ms with Redis up. The full variant asserts the 50 ms.
     */
    private void redisKilled(String scenario, int patched, int deleted, Duration window, boolean relativeLatency)
            throws Exception {
        List<Long> users = createWarmUsers("kill", patched + deleted);
        History history = new History();
        Http http = new Http(Duration.ofSeconds(10));
        OwnRedis redis = cluster.redis();
        long killed;
        long firstWriteEnd;
        long restarting;
        List<Double> backToHits = new ArrayList<>();
        double baselineP99;

        try (ReadLoops readers = ReadLoops.start(cluster, history, List.of(cluster.b(), cluster.c()),
                read -> users.get(read % users.size()))) {
            long baselineStart = System.nanoTime();
            Thread.sleep(1_000);
            baselineP99 = p99(reads(history, op -> op.start() >= baselineStart));
            try {
                redis.kill();
                killed = System.nanoTime();
                firstWriteEnd = cluster.write(http, history, cluster.a(), users.getFirst(), 1).end();
                for (int i = 1; i < patched; i++) {
                    cluster.write(http, history, cluster.a(), users.get(i), 1);
                }
                for (int i = patched; i < patched + deleted; i++) {
                    cluster.delete(http, history, cluster.a(), users.get(i));
                }
                Thread.sleep(window.toMillis());
            } finally {
                restarting = System.nanoTime();
                redis.start();
            }
            for (ServiceProcess instance : cluster.instances()) {
                backToHits.add(cluster.awaitHit(instance, users.getFirst(), "v1", Duration.ofSeconds(30)));
            }
            Thread.sleep(1_000); // the history covers the return too
        }

        long down = restarting;
        List<History.Op> during = reads(history, op -> op.start() >= killed && op.start() < down);
        List<History.Op> answered = during.stream().filter(op -> op.status() == 200 || op.status() == 404).toList();
        List<StaleReads.Stale> stale = StaleReads.find(history);
        List<StaleReads.Stale> oldValues = stale.stream().filter(read -> !read.ofDeleted()).toList();
        List<StaleReads.Stale> deletedServed = stale.stream().filter(StaleReads.Stale::ofDeleted).toList();
        long hitsWhileDown = during.stream().filter(op -> op.start() > firstWriteEnd
                && op.op().equals(ProfileCluster.READ + " hit")).count();
        List<History.Op> writes = history.where(op -> op.op().equals(ProfileCluster.WRITE)
                || op.op().equals(ProfileCluster.DELETE));
        double p99 = p99(during);
        double readBound = relativeLatency ? Math.max(READ_P99_MILLIS, 2 * baselineP99) : READ_P99_MILLIS;
        String readPromise = relativeLatency
                ? "read p99 < 50 ms (or < 2x the p99 before the kill) while Redis is down"
                : "read p99 < 50 ms while Redis is down";
        double back = backToHits.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        double downSeconds = (restarting - killed) / 1e9;

        String oldFigure = String.format(Locale.ROOT, "%d stale reads in %d of %d PATCH trials%s",
                oldValues.size(), trials(oldValues), patched, latest(oldValues));
        String deletedFigure = String.format(Locale.ROOT, "%d reads answered 200 in %d of %d DELETE trials%s",
                deletedServed.size(), trials(deletedServed), deleted, latest(deletedServed));
        String latencyFigure = String.format(Locale.ROOT,
                "p50 %.1f ms, p99 %.1f ms over %d reads in %.1f s down (before the kill: p99 %.1f ms)",
                p50(during), p99, during.size(), downSeconds, baselineP99);
        String answeredFigure = String.format(Locale.ROOT, "%d of %d reads 200/404 (others: %s)", answered.size(),
                during.size(), statuses(during));
        String hitFigure = String.format(Locale.ROOT, "%d of %d reads on b/c after the first write said hit",
                hitsWhileDown, during.stream().filter(op -> op.start() > firstWriteEnd).count());
        String backFigure = String.format(Locale.ROOT, "all 3 instances hit after %.0f ms (a, b, c: %s)", back,
                backToHits.stream().map(ms -> String.format(Locale.ROOT, "%.0f", ms)).toList());
        Report.record(scenario, "0 stale reads on b/c after a's PATCH returned", oldFigure, oldValues.isEmpty());
        Report.record(scenario, "0 reads of a deleted user (404 from a's 204 on)", deletedFigure,
                deletedServed.isEmpty());
        Report.record(scenario, readPromise, latencyFigure, p99 < readBound);
        Report.record(scenario, "every read answered while Redis is down", answeredFigure,
                answered.size() == during.size());
        Report.record(scenario, "no local-tier hit while Redis is down", hitFigure, hitsWhileDown == 0);
        Report.record(scenario, "hits again on every instance <= 10 s after Redis is back", backFigure,
                back <= BACK_TO_HITS.toMillis());
        System.out.println(scenario + ": " + String.join("; ", oldFigure, deletedFigure, latencyFigure,
                answeredFigure, hitFigure, backFigure) + "; first stale: " + first(stale));

        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(writes.stream().filter(op -> op.outcome() != History.Outcome.OK).toList())
                    .as("writes and deletes not acknowledged").isEmpty();
            soft.assertThat(oldValues.size()).as(oldFigure + "; first: " + first(oldValues)).isZero();
            soft.assertThat(deletedServed.size()).as(deletedFigure + "; first: " + first(deletedServed)).isZero();
            soft.assertThat(p99).as(readPromise + ": " + latencyFigure).isLessThan(readBound);
            soft.assertThat(answered.size()).as(answeredFigure).isEqualTo(during.size());
            soft.assertThat(hitsWhileDown).as(hitFigure).isZero();
            soft.assertThat(back).as(backFigure).isLessThanOrEqualTo(BACK_TO_HITS.toMillis());
        });
    }

    /**
     * Warm profiles on every instance; SIGSTOP Redis for {@code hang}, with a PATCH through a every 500 ms and
     * readers going round the users on b and c; SIGCONT, then wait until every instance serves hits.
     */
    private void redisHung(String scenario, int userCount, Duration hang) throws Exception {
        List<Long> users = createWarmUsers("hang", userCount);
        Map<Long, Integer> versions = new HashMap<>();
        History history = new History();
        Http http = new Http(Duration.ofSeconds(10));
        OwnRedis redis = cluster.redis();
        long paused;
        long resumed;
        List<Double> backToHits = new ArrayList<>();
        double baselineP99;
        long lastWritten;

        try (ReadLoops readers = ReadLoops.start(cluster, history, List.of(cluster.b(), cluster.c()),
                read -> users.get(read % users.size()))) {
            long baselineStart = System.nanoTime();
            Thread.sleep(1_000);
            baselineP99 = p99(reads(history, op -> op.start() >= baselineStart));
            int write = 0;
            redis.pause();
            paused = System.nanoTime();
            try {
                long deadline = paused + hang.toNanos();
                long id = users.getFirst();
                while (System.nanoTime() < deadline) {
                    id = users.get(write % users.size());
                    cluster.write(http, history, cluster.a(), id, versions.merge(id, 1, Integer::sum));
                    cluster.getUser(http, history, cluster.b(), id);
                    write++;
                    long next = paused + write * 500_000_000L;
                    Thread.sleep(Math.max(0, (Math.min(next, deadline) - System.nanoTime()) / 1_000_000));
                }
                lastWritten = id;
            } finally {
                redis.resume();
                resumed = System.nanoTime();
            }
            String value = "v" + versions.get(lastWritten);
            for (ServiceProcess instance : cluster.instances()) {
                backToHits.add(cluster.awaitHit(instance, lastWritten, value, Duration.ofSeconds(30)));
            }
            Thread.sleep(1_000);
        }

        List<History.Op> during = reads(history, op -> op.start() >= paused && op.start() < resumed);
        List<History.Op> answered = during.stream().filter(op -> op.status() == 200 || op.status() == 404).toList();
        List<History.Op> patches = history.where(op -> op.op().equals(ProfileCluster.WRITE)
                && op.start() >= paused && op.start() < resumed);
        List<StaleReads.Stale> stale = StaleReads.find(history);
        double readP99 = p99(during);
        double patchP99 = p99(patches);
        double back = backToHits.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);

        String latencyFigure = String.format(Locale.ROOT,
                "p50 %.1f ms, p99 %.1f ms over %d reads in %.1f s hung (before: p99 %.1f ms)", p50(during), readP99,
                during.size(), (resumed - paused) / 1e9, baselineP99);
        String answeredFigure = String.format(Locale.ROOT, "%d of %d reads 200/404 (others: %s)", answered.size(),
                during.size(), statuses(during));
        String patchFigure = String.format(Locale.ROOT, "PATCH p50 %.0f ms, p99 %.0f ms over %d, %d acknowledged",
                p50(patches), patchP99, patches.size(),
                patches.stream().filter(op -> op.outcome() == History.Outcome.OK).count());
        List<History.Op> uncached = history.where(op -> op.op().equals(ProfileCluster.GET_USER)
                && op.start() >= paused && op.start() < resumed);
        String edgeFigure = String.format(Locale.ROOT,
                "for comparison, GET /users/{id} (same edge, no cache) on b: p50 %.0f ms, p99 %.0f ms over %d",
                p50(uncached), p99(uncached), uncached.size());
        String staleFigure = String.format(Locale.ROOT, "%d stale reads in %d of %d writes%s", stale.size(),
                stale.stream().map(read -> read.missed().start()).distinct().count(),
                history.where(op -> op.op().equals(ProfileCluster.WRITE)).size(), latest(stale));
        String backFigure = String.format(Locale.ROOT, "all 3 instances hit after %.0f ms (a, b, c: %s)", back,
                backToHits.stream().map(ms -> String.format(Locale.ROOT, "%.0f", ms)).toList());
        Report.record(scenario, "read p99 < 50 ms while Redis is hung", latencyFigure + "; " + edgeFigure,
                readP99 < READ_P99_MILLIS);
        Report.record(scenario, "every read answered while Redis is hung", answeredFigure,
                answered.size() == during.size());
        Report.record(scenario, "PATCH acknowledged, p99 < 500 ms while Redis is hung", patchFigure,
                patchP99 < PATCH_P99_MILLIS && patches.stream().allMatch(op -> op.outcome() == History.Outcome.OK));
        Report.record(scenario, "0 stale reads on b/c after a's PATCH returned", staleFigure, stale.isEmpty());
        Report.record(scenario, "hits again on every instance <= 10 s after SIGCONT", backFigure,
                back <= BACK_TO_HITS.toMillis());
        System.out.println(scenario + ": " + String.join("; ", latencyFigure, edgeFigure, answeredFigure,
                patchFigure, staleFigure, backFigure) + "; first stale: " + first(stale));

        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(readP99).as(latencyFigure + "; " + edgeFigure).isLessThan(READ_P99_MILLIS);
            soft.assertThat(answered.size()).as(answeredFigure).isEqualTo(during.size());
            soft.assertThat(patches).as(patchFigure).isNotEmpty();
            soft.assertThat(patches.stream().filter(op -> op.outcome() != History.Outcome.OK).toList())
                    .as("PATCHes not acknowledged").isEmpty();
            soft.assertThat(patchP99).as(patchFigure).isLessThan(PATCH_P99_MILLIS);
            soft.assertThat(stale.size()).as(staleFigure + "; first: " + first(stale)).isZero();
            soft.assertThat(back).as(backFigure).isLessThanOrEqualTo(BACK_TO_HITS.toMillis());
        });
    }

    /** Creates users (v0) and waits until each instance serves each from its cache. */
    private static List<Long> createWarmUsers(String prefix, int count) throws Exception {
        runs++;
        List<Long> users = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            users.add(cluster.createUser(prefix + runs + "_" + i));
        }
        for (long id : users) {
            for (ServiceProcess instance : cluster.instances()) {
                cluster.awaitHit(instance, id, "v0", Duration.ofSeconds(30));
            }
        }
        return users;
    }

    private static List<History.Op> reads(History history, Predicate<History.Op> filter) {
        return history.where(op -> op.op().startsWith(ProfileCluster.READ) && filter.test(op));
    }

    private static double p50(List<History.Op> ops) {
        return History.quantile(ops.stream().map(History.Op::millis).toList(), 0.50);
    }

    private static double p99(List<History.Op> ops) {
        return History.quantile(ops.stream().map(History.Op::millis).toList(), 0.99);
    }

    /** How many distinct writes (users, here) the stale reads missed. */
    private static long trials(List<StaleReads.Stale> stale) {
        return stale.stream().map(read -> read.missed().key()).distinct().count();
    }

    private static String latest(List<StaleReads.Stale> stale) {
        return stale.stream().max(Comparator.comparingDouble(StaleReads.Stale::millisAfterResponse))
                .map(read -> String.format(Locale.ROOT, ", the last %.1f ms after the response",
                        read.millisAfterResponse()))
                .orElse("");
    }

    private static String first(List<StaleReads.Stale> stale) {
        return stale.isEmpty() ? "none" : stale.getFirst().toString();
    }

    private static Map<Integer, Long> statuses(List<History.Op> ops) {
        Map<Integer, Long> counts = new HashMap<>();
        ops.stream().filter(op -> op.status() != 200 && op.status() != 404)
                .forEach(op -> counts.merge(op.status(), 1L, Long::sum));
        return counts;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
