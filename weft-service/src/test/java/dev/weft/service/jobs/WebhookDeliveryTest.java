package dev.weft.service.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.weft.core.Backoff;
import dev.weft.service.data.SettingsRepository;
import dev.weft.service.provider.LocalProvider;
import dev.weft.service.webhooks.Delivery;
import dev.weft.service.webhooks.DeliveryAttempt;
import dev.weft.service.webhooks.DeliveryRepository;
import dev.weft.service.webhooks.DeliverySchedule;
import dev.weft.service.webhooks.DeliveryWorker;
import dev.weft.service.webhooks.SecretBox;
import dev.weft.service.webhooks.WebhookOutbox;
import dev.weft.service.webhooks.WebhookSender;
import dev.weft.service.webhooks.WebhookSigner;
import dev.weft.service.webhooks.WebhookUrlPolicy;
import dev.weft.service.webhooks.WebhooksConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The delivery side end to end below HTTP: the job engine with its outbox and the delivery loop as its companion, the
 * real {@link WebhookSender} and {@link SecretBox}, and a receiver on loopback (JDK HttpServer) that fails as told.
 * Signatures are checked by an HMAC written here from the Standard Webhooks text, not by {@link WebhookSigner}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WebhookDeliveryTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Clock CLOCK = Clock.systemUTC();
    private static final JobsConfig JOBS = JobsConfig.defaults().withWorkers(16).withLease(Duration.ofSeconds(3))
            .withPolling(Duration.ofMillis(50), Duration.ofMillis(100))
            .withRetries(3, Duration.ofMillis(50), Duration.ofMillis(200));
    /** Test pace: retries within half a second, a lease that outlasts the 1 s attempt timeout. */
    private static final DeliverySchedule FAST = new DeliverySchedule(
            new Backoff(Duration.ofMillis(50), 2.0, Duration.ofMillis(500)), Duration.ofHours(1),
            Duration.ofSeconds(3), Duration.ofMillis(100), 32);

    private static WebhooksConfig config(Duration disableAfter) {
        return config(disableAfter, Duration.ofSeconds(1));
    }

    private static WebhooksConfig config(Duration disableAfter, Duration timeout) {
        WebhooksConfig base = WebhooksConfig.defaults();
        return new WebhooksConfig(true, List.of(), timeout, 4096, null, base.retryFor(), disableAfter,
                base.maxPerUser());
    }

    // Since the receiver gate (27bfbc3), at most 4 attempts are in flight to one host and 2 per user, so this run is
    // bound by those 4 slots, held up to the attempt timeout by every hanging answer (5 %): 107 s on an idle machine
    // with a 1 s timeout (main, 7 Dec), so the attempts here time out after 300 ms. The wait and the timeout leave
    // room for a loaded 2-core CI machine.
    @ParameterizedTest
    @EnumSource(value = JobDatabase.Target.class, names = "POSTGRESQL")
    @Timeout(value = 420, unit = TimeUnit.SECONDS)
    void everyEventOfAThousandJobsReachesItsOwnEndpointsThroughAReceiverFailingThirtyPercent(
            JobDatabase.Target target) throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int jobCount = 1000;
        try (JobDatabase jobs = JobDatabase.open(target);
                Receiver receiver = new Receiver(exchange -> {
                    double draw;
                    synchronized (random) {
                        draw = random.nextDouble();
                    }
                    if (draw < 0.20) {
                        return new Answer(500, null, 0);
                    } else if (draw < 0.25) {
                        return new Answer(503, "1", 0);
                    } else if (draw < 0.30) {
                        return new Answer(200, null, 600); // past the 300 ms timeout: a failed attempt
                    }
                    return new Answer(200, null, 0);
                });
                LocalProvider provider = LocalProvider.create(Duration.ofMillis(20), CLOCK)) {
            WebhooksConfig config = config(Duration.ofHours(24), Duration.ofMillis(300));
            SecretBox box = SecretBox.open(config, new SettingsRepository(jobs.db, CLOCK));
            long alice = jobs.user();
            long bob = jobs.user();
            String aliceSecret = WebhookSigner.newSecret();
            String bobSecret = WebhookSigner.newSecret();
            WebhookOutboxTest.webhook(jobs.db, alice, receiver.url("/alice"),
                    String.join(",", WebhookOutbox.VIDEO_EVENT_TYPES), true, box.seal(aliceSecret));
            WebhookOutboxTest.webhook(jobs.db, bob, receiver.url("/bob"),
                    String.join(",", WebhookOutbox.VIDEO_EVENT_TYPES), true, box.seal(bobSecret));
            String callbackSecret = WebhookSigner.newSecret();
            Map<String, Long> owners = new ConcurrentHashMap<>();
            Set<String> withCallback = ConcurrentHashMap.newKeySet();
            try (WebhookSender sender = new WebhookSender(config, new WebhookUrlPolicy(config),
                    new SimpleMeterRegistry());
                    JobEngine engine = engine(jobs, provider)) {
                engine.addCompanion(DeliveryWorker.create(jobs.db, CLOCK, config, FAST, sender::send, box::unseal,
                        new SimpleMeterRegistry(), Duration.ofSeconds(5)));
                engine.start();

                long started = System.nanoTime();
                // eight submitters at once, as concurrent uploads would: the event counter serializes their commits
                try (var submitters = Executors.newFixedThreadPool(8, Thread.ofVirtual().factory())) {
                    List<java.util.concurrent.Future<?>> submitted = new java.util.ArrayList<>();
                    for (int n = 0; n < jobCount; n++) {
                        int i = n;
                        submitted.add(submitters.submit(() -> {
                            long owner = i % 2 == 0 ? alice : bob;
                            String videoId = "vid_" + UUID.randomUUID().toString().replace("-", "");
                            JobEngine.Callback callback = i % 10 == 0 ? new JobEngine.Callback(
                                    receiver.url("/cb/" + videoId), box.seal(callbackSecret)) : null;
                            java.nio.file.Path file = jobs.dir.resolve(videoId + ".bin");
                            java.nio.file.Files.write(file, new byte[] {1, 2, 3});
                            owners.put(videoId, owner);
                            if (callback != null) {
                                withCallback.add(videoId);
                            }
                            jobs.db.inTransaction(tx -> {
                                String jobId = JobEngine.newJobId();
                                jobs.videos.insert(tx, videoId, owner, "clip.mp4", 3, null, file.toString(), jobId);
                                return engine.submit(tx, videoId, owner, jobId, callback);
                            });
                            engine.wakeUp();
                            return null;
                        }));
                    }
                    for (var future : submitted) {
                        future.get(60, TimeUnit.SECONDS);
                    }
                }
                long submittedAt = System.nanoTime();
                Set<String> expected = new HashSet<>();
                await().atMost(Duration.ofSeconds(360)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                    List<Map<String, Object>> events = jobs.db.query("SELECT event_id, video_id, event_type"
                            + " FROM video_events", Map.of()).list();
                    boolean done = events.stream().filter(row -> row.get("event_type").equals("completed"))
                            .count() == jobCount;
                    expected.clear();
                    for (Map<String, Object> event : events) {
                        String video = String.valueOf(event.get("video_id"));
                        String message = "msg_" + ((Number) event.get("event_id")).longValue();
                        expected.add((owners.get(video) == alice ? "/alice " : "/bob ") + message);
                        if (withCallback.contains(video)) {
                            expected.add("/cb/" + video + " " + message);
                        }
                    }
                    return done && receiver.delivered().containsAll(expected);
                });

                System.out.printf("webhooks at-least-once: %d jobs submitted in %d ms, every event delivered %d ms"
                        + " later; %d requests, %d failed, %d deliveries expected (seed %d)%n", jobCount,
                        (submittedAt - started) / 1_000_000, (System.nanoTime() - submittedAt) / 1_000_000,
                        receiver.requests.size(), receiver.failures.get(), expected.size(), seed);
                assertThat(expected).as("seed " + seed).hasSize(jobCount * 4 + jobCount / 10 * 4);
                for (Received request : receiver.requests) {
                    String secret = request.path().equals("/alice") ? aliceSecret
                            : request.path().equals("/bob") ? bobSecret : callbackSecret;
                    assertThat(verifies(secret, request)).as("signature of %s, seed %d", request.path(), seed)
                            .isTrue();
                    JsonNode body = MAPPER.readTree(request.body());
                    String video = body.path("data").path("video_id").asText();
                    String expectedPath = request.path().startsWith("/cb/") ? "/cb/" + video
                            : owners.get(video) == alice ? "/alice" : "/bob";
                    assertThat(request.path()).as("where %s's event went, seed %d", video, seed)
                            .isEqualTo(expectedPath);
                    assertThat(body.path("type").asText()).isEqualTo("video." + body.path("data").path("status")
                            .asText());
                }
                assertThat(receiver.failures.get()).as("the receiver failed some requests").isPositive();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(JobDatabase.Target.class)
    void aGoneReceiverFailsTheDeliveryAndDisablesItsWebhook(JobDatabase.Target target) throws Exception {
        try (JobDatabase jobs = JobDatabase.open(target);
                Receiver receiver = new Receiver(exchange -> new Answer(410, null, 0))) {
            WebhooksConfig config = config(Duration.ofHours(24));
            Fixture fixture = new Fixture(jobs, config, receiver);
            try (Running worker = fixture.start()) {
                Delivery ping = fixture.deliveries.enqueueTest(fixture.webhook, fixture.user, receiver.url("/hook"));
                worker.wakeUp();

                await().atMost(Duration.ofSeconds(20)).until(() -> fixture.state(ping).equals("failed"));

                assertThat(fixture.webhookColumn("enabled")).isEqualTo(0L);
                assertThat(fixture.webhookColumn("disabled_reason")).isEqualTo("receiver answered 410 Gone");
                // API.md: "the first failed attempt since the last success"; a 410 is one (it was left null)
                assertThat(fixture.webhookColumn("failing_since")).isNotNull();
                assertThat(fixture.deliveries.attempts(ping.deliveryId())).extracting(DeliveryAttempt::outcome,
                        DeliveryAttempt::status).containsExactly(org.assertj.core.groups.Tuple.tuple("gone", 410));
            }
        }
    }

    /**
     * Reported: another user's four hanging URLs on the same receiving host took every connection to it, and a
     * healthy webhook's deliveries were recorded as failed without being sent ("too many deliveries in flight to
     * host", then "circuit open for host") until it was disabled.
     */
    @ParameterizedTest
    @EnumSource(JobDatabase.Target.class)
    void anotherUsersHangingUrlsOnTheSameHostNeitherFailNorDisableAHealthyWebhook(JobDatabase.Target target)
            throws Exception {
        try (JobDatabase jobs = JobDatabase.open(target);
                Receiver receiver = new Receiver(exchange -> exchange.getRequestURI().getPath().startsWith("/hang")
                        ? new Answer(200, null, 3_000) : new Answer(200, null, 0))) {
            WebhooksConfig config = config(Duration.ofMillis(300));
            Fixture fixture = new Fixture(jobs, config, receiver);
            long other = jobs.user();
            List<String> hanging = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                hanging.add(WebhookOutboxTest.webhook(jobs.db, other, receiver.url("/hang/z" + i), "video.completed",
                        true, fixture.box.seal(WebhookSigner.newSecret())));
            }
            try (Running worker = fixture.start()) {
                for (int round = 0; round < 3; round++) {
                    for (int i = 0; i < hanging.size(); i++) {
                        fixture.deliveries.enqueueTest(hanging.get(i), other, receiver.url("/hang/z" + i));
                    }
                }
                worker.wakeUp();
                await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests.stream()
                        .filter(request -> request.path().startsWith("/hang")).count() >= 2);

                Delivery ping = fixture.deliveries.enqueueTest(fixture.webhook, fixture.user, receiver.url("/hook"));
                worker.wakeUp();

                await().atMost(Duration.ofSeconds(20)).until(() -> !fixture.state(ping).equals("pending")
                        || fixture.webhookColumn("enabled").equals(0L));
                assertThat(fixture.state(ping)).isEqualTo("delivered");
                assertThat(fixture.deliveries.attempts(ping.deliveryId())).extracting(DeliveryAttempt::outcome)
                        .containsExactly("delivered");
                assertThat(fixture.webhookColumn("enabled")).isEqualTo(1L);
                assertThat(fixture.webhookColumn("failing_since")).isNull();
            }
        }
    }

    /**
     * Reported: a second event reached a receiver ~150 ms after its 410 had disabled the webhook. Here the second
     * delivery is claimed with the first, and opens its secret only once the first one's 410 is recorded: it must go
     * back to waiting, unsent.
     */
    @ParameterizedTest
    @EnumSource(JobDatabase.Target.class)
    void aDeliveryClaimedBeforeA410DisabledItsWebhookIsNotSentAfterIt(JobDatabase.Target target) throws Exception {
        try (JobDatabase jobs = JobDatabase.open(target);
                Receiver receiver = new Receiver(exchange -> new Answer(410, null, 0))) {
            Fixture fixture = new Fixture(jobs, config(Duration.ofHours(24)), receiver);
            AtomicInteger unseals = new AtomicInteger();
            UnaryOperator<String> unseal = sealed -> {
                if (unseals.incrementAndGet() == 2) {
                    await().atMost(Duration.ofSeconds(10)).until(() -> fixture.webhookColumn("enabled").equals(0L));
                }
                return fixture.box.unseal(sealed);
            };
            List<Delivery> pings = List.of(
                    fixture.deliveries.enqueueTest(fixture.webhook, fixture.user, receiver.url("/hook")),
                    fixture.deliveries.enqueueTest(fixture.webhook, fixture.user, receiver.url("/hook")));

            try (Running worker = fixture.start(unseal)) {
                worker.wakeUp();
                await().atMost(Duration.ofSeconds(20)).until(() -> unseals.get() == 2
                        && pings.stream().allMatch(ping -> !fixture.state(ping).equals("pending")
                                || fixture.leaseOwner(ping) == null));
            }

            assertThat(receiver.requests).hasSize(1);
            assertThat(pings).extracting(fixture::state).containsExactlyInAnyOrder("failed", "pending");
            Delivery waiting = fixture.deliveries.find(pings.stream()
                    .filter(ping -> fixture.state(ping).equals("pending")).findFirst().orElseThrow().deliveryId())
                    .orElseThrow();
            assertThat(waiting.attempts()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(JobDatabase.Target.class)
    void aLongerRetryAfterReplacesTheBackoff(JobDatabase.Target target) throws Exception {
        try (JobDatabase jobs = JobDatabase.open(target);
                Receiver receiver = new Receiver(exchange -> new Answer(503, "120", 0))) {
            Fixture fixture = new Fixture(jobs, config(Duration.ofHours(24)), receiver);
            try (Running worker = fixture.start()) {
                long before = CLOCK.millis();
                Delivery ping = fixture.deliveries.enqueueTest(fixture.webhook, fixture.user, receiver.url("/hook"));
                worker.wakeUp();

                await().atMost(Duration.ofSeconds(20)).until(() -> fixture.deliveries.find(ping.deliveryId())
                        .orElseThrow().attempts() == 1);

                Delivery after = fixture.deliveries.find(ping.deliveryId()).orElseThrow();
                assertThat(after.state()).isEqualTo("pending");
                assertThat(after.lastStatus()).isEqualTo(503);
                // the backoff alone would wait at most 50 ms
                assertThat(after.nextAttemptAt()).isGreaterThanOrEqualTo(before + 119_000);
                assertThat(receiver.requests).hasSize(1);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(JobDatabase.Target.class)
    void aWebhookFailingForDisableAfterIsDisabledWithAReasonAndEnablingItResumes(JobDatabase.Target target)
            throws Exception {
        AtomicInteger status = new AtomicInteger(500);
        try (JobDatabase jobs = JobDatabase.open(target);
                Receiver receiver = new Receiver(exchange -> new Answer(status.get(), null, 0))) {
            Fixture fixture = new Fixture(jobs, config(Duration.ofMillis(300)), receiver);
            try (Running worker = fixture.start()) {
                Delivery ping = fixture.deliveries.enqueueTest(fixture.webhook, fixture.user, receiver.url("/hook"));
                worker.wakeUp();

                await().atMost(Duration.ofSeconds(20)).until(() -> fixture.webhookColumn("enabled").equals(0L));
                int attemptsWhenDisabled = receiver.requests.size();
                assertThat(String.valueOf(fixture.webhookColumn("disabled_reason")))
                        .startsWith("every delivery attempt failed for");
                assertThat(fixture.state(ping)).isEqualTo("pending");
                Thread.sleep(700); // several backoff periods: nothing is claimed while the webhook is disabled
                assertThat(receiver.requests.size()).isLessThanOrEqualTo(attemptsWhenDisabled + 1);

                status.set(200);
                // what PATCH enabled=true does (hookapi's repository)
                jobs.db.execute("UPDATE webhooks SET enabled = 1, disabled_reason = NULL, disabled_at = NULL,"
                        + " failing_since = NULL WHERE webhook_id = :id", Map.of("id", fixture.webhook));
                fixture.deliveries.retryNow(ping.deliveryId());
                worker.wakeUp();

                await().atMost(Duration.ofSeconds(20)).until(() -> fixture.state(ping).equals("delivered"));
                assertThat(fixture.webhookColumn("failing_since")).isNull();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(JobDatabase.Target.class)
    void aDeliveryLeasedByADeadInstanceIsSentOnceItsLeaseLapses(JobDatabase.Target target) throws Exception {
        try (JobDatabase jobs = JobDatabase.open(target);
                Receiver receiver = new Receiver(exchange -> new Answer(200, null, 0))) {
            Fixture fixture = new Fixture(jobs, config(Duration.ofHours(24)), receiver);
            Delivery ping = fixture.deliveries.enqueueTest(fixture.webhook, fixture.user, receiver.url("/hook"));
            long lapse = CLOCK.millis() + 1_500;
            // as a killed instance leaves it: claimed, never recorded
            jobs.db.execute("UPDATE webhook_deliveries SET lease_owner = 'd-dead', lease_expires_at = :at"
                    + " WHERE delivery_id = :id", Map.of("at", lapse, "id", ping.deliveryId()));

            try (Running worker = fixture.start()) {
                await().atMost(Duration.ofSeconds(20)).until(() -> fixture.state(ping).equals("delivered"));

                assertThat(receiver.arrivals.peek()).isGreaterThanOrEqualTo(lapse);
                assertThat(receiver.requests).hasSize(1);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(JobDatabase.Target.class)
    void aPendingDeliveryGoesToItsWebhooksCurrentUrl(JobDatabase.Target target) throws Exception {
        try (JobDatabase jobs = JobDatabase.open(target);
                Receiver receiver = new Receiver(exchange -> new Answer(200, null, 0))) {
            Fixture fixture = new Fixture(jobs, config(Duration.ofHours(24)), receiver);
            Delivery ping = fixture.deliveries.enqueueTest(fixture.webhook, fixture.user, receiver.url("/hook"));
            // what PATCH {"url"} does while the delivery waits: the copy taken at enqueue must not win
            jobs.db.execute("UPDATE webhooks SET url = :url WHERE webhook_id = :id",
                    Map.of("url", receiver.url("/moved"), "id", fixture.webhook));

            try (Running worker = fixture.start()) {
                worker.wakeUp();
                await().atMost(Duration.ofSeconds(20)).until(() -> fixture.state(ping).equals("delivered"));

                assertThat(receiver.requests).extracting(Received::path).containsExactly("/moved");
            }
        }
    }

    private static JobEngine engine(JobDatabase jobs, LocalProvider provider) {
        return JobEngine.create(jobs.db, jobs.videos, jobs.usage, provider, JOBS, CLOCK, new SimpleMeterRegistry(),
                (videoId, userId) -> { }, io.opentelemetry.api.OpenTelemetry.noop(), new WebhookOutbox(CLOCK));
    }

    /** One user, one webhook to the receiver's {@code /hook}, and a worker over them. */
    private static final class Fixture {
        final JobDatabase jobs;
        final WebhooksConfig config;
        final SecretBox box;
        final long user;
        final String webhook;
        final DeliveryRepository deliveries;
        final String secret = WebhookSigner.newSecret();

        Fixture(JobDatabase jobs, WebhooksConfig config, Receiver receiver) {
            this.jobs = jobs;
            this.config = config;
            this.box = SecretBox.open(config, new SettingsRepository(jobs.db, CLOCK));
            this.user = jobs.user();
            this.webhook = WebhookOutboxTest.webhook(jobs.db, user, receiver.url("/hook"), "video.completed", true,
                    box.seal(secret));
            this.deliveries = new DeliveryRepository(jobs.db, CLOCK);
        }

        Running start() {
            return start(box::unseal);
        }

        Running start(UnaryOperator<String> unseal) {
            WebhookSender sender = new WebhookSender(config, new WebhookUrlPolicy(config), new SimpleMeterRegistry());
            DeliveryWorker worker = DeliveryWorker.create(jobs.db, CLOCK, config, FAST, sender::send, unseal,
                    new SimpleMeterRegistry(), Duration.ofSeconds(5));
            worker.start();
            return new Running(worker, sender);
        }

        String state(Delivery delivery) {
            return deliveries.find(delivery.deliveryId()).orElseThrow().state();
        }

        @Nullable Object leaseOwner(Delivery delivery) {
            return jobs.db.query("SELECT lease_owner AS v FROM webhook_deliveries WHERE delivery_id = :id",
                    Map.of("id", delivery.deliveryId())).list().getFirst().get("v");
        }

        @Nullable Object webhookColumn(String column) {
            Object value = jobs.db.query("SELECT " + column + " AS v FROM webhooks WHERE webhook_id = :id",
                    Map.of("id", webhook)).list().getFirst().get("v");
            return value instanceof Number number ? (Object) number.longValue() : value;
        }
    }

    /** Checks a request's signature from the Standard Webhooks text: HMAC-SHA256 over {@code id.timestamp.body}. */
    private static boolean verifies(String secret, Received request) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
        mac.update((request.id() + "." + request.timestamp() + ".").getBytes(StandardCharsets.UTF_8));
        byte[] expected = mac.doFinal(request.body());
        for (String signature : request.signature().split(" ")) {
            if (signature.startsWith("v1,") && MessageDigest.isEqual(expected,
                    Base64.getDecoder().decode(signature.substring(3)))) {
                return true;
            }
        }
        return false;
    }

    /** A started worker and its sender, stopped together. */
    record Running(DeliveryWorker worker, WebhookSender sender) implements AutoCloseable {
        void wakeUp() {
            worker.wakeUp();
        }

        @Override
        public void close() {
            worker.close();
            sender.close();
        }
    }

    record Answer(int status, @Nullable String retryAfter, long delayMillis) {
    }

    record Received(String path, String id, String timestamp, String signature, byte[] body) {
    }

    /** A receiver on 127.0.0.1: records every request, answers as the function says. */
    private static final class Receiver implements AutoCloseable {
        final HttpServer server;
        final ConcurrentLinkedQueue<Received> requests = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Long> arrivals = new ConcurrentLinkedQueue<>();
        final Set<String> delivered = ConcurrentHashMap.newKeySet();
        final AtomicInteger failures = new AtomicInteger();

        Receiver(Function<HttpExchange, Answer> answers) throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/", exchange -> {
                arrivals.add(CLOCK.millis());
                byte[] body = exchange.getRequestBody().readAllBytes();
                String path = exchange.getRequestURI().getPath();
                Received request = new Received(path, exchange.getRequestHeaders().getFirst("webhook-id"),
                        exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                        exchange.getRequestHeaders().getFirst("webhook-signature"), body);
                requests.add(request);
                Answer answer = answers.apply(exchange);
                try {
                    if (answer.delayMillis() > 0) {
                        Thread.sleep(answer.delayMillis());
                    }
                    if (answer.retryAfter() != null) {
                        exchange.getResponseHeaders().add("Retry-After", answer.retryAfter());
                    }
                    exchange.sendResponseHeaders(answer.status(), -1);
                    if (answer.status() / 100 == 2 && answer.delayMillis() == 0) {
                        delivered.add(path + " " + request.id());
                    } else {
                        failures.incrementAndGet();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (IOException e) {
                    failures.incrementAndGet();
                } finally {
                    exchange.close();
                }
            });
            server.start();
        }

        String url(String path) {
            return "http://127.0.0.1:" + server.getAddress().getPort() + path;
        }

        Set<String> delivered() {
            return delivered;
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
