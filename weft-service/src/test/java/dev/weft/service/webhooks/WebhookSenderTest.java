package dev.weft.service.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.http.HostResolver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One delivery attempt against a real receiver on loopback: what arrives verifies with an independent Standard
 * Webhooks check, each answer maps to its outcome (without a retry), one user's failing or hanging URLs cut off no
 * other URL on the same host and hold only their share of its connections, and a name
 * that resolved publicly at registration but resolves to loopback at delivery is refused without a connection.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebhookSenderTest {
    private static final byte[] BODY = "{\"type\":\"video.completed\",\"timestamp\":\"2026-12-05T11:00:00Z\",\"data\":{\"video_id\":\"v1\"}}"
            .getBytes(StandardCharsets.UTF_8);

    private LoopbackReceiver receiver;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final String secret = WebhookSigner.newSecret();

    @BeforeEach
    void start() throws IOException {
        receiver = new LoopbackReceiver();
    }

    @AfterEach
    void stop() {
        receiver.close();
    }

    private static WebhooksConfig config(boolean allowHttpLoopback, Duration timeout) {
        WebhooksConfig base = WebhooksConfig.defaults();
        return new WebhooksConfig(allowHttpLoopback, List.of(), timeout, 4096, null, base.retryFor(),
                base.disableAfter(), base.maxPerUser());
    }

    private WebhookSender sender(WebhooksConfig config, HostResolver resolver) {
        return new WebhookSender(config, new WebhookUrlPolicy(config, resolver), registry);
    }

    private WebhookSender loopbackSender() {
        return sender(config(true, Duration.ofSeconds(5)), HostResolver.system());
    }

    private DeliveryResult send(WebhookSender sender, URI url) {
        return sender.send(7, url, "msg_42", Instant.now(), BODY, secret);
    }

    @Test
    void deliversASignedPostThatAnIndependentVerifierAccepts() {
        Instant now = Instant.now();
        DeliveryResult result;
        try (WebhookSender sender = loopbackSender()) {
            result = sender.send(7, receiver.url("127.0.0.1", "/hook?tenant=7"), "msg_42", now, BODY, secret);
        }

        assertThat(result.outcome()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
        assertThat(result.status()).isEqualTo(200);
        assertThat(result.latencyMillis()).isNotNegative();
        LoopbackReceiver.Received request = receiver.received().getFirst();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.body()).isEqualTo(BODY);
        assertThat(request.header("content-type")).startsWith("application/json");
        assertThat(request.header("user-agent")).startsWith("weft-webhooks/");
        assertThat(request.header("webhook-id")).isEqualTo("msg_42");
        assertThat(request.header("webhook-timestamp")).isEqualTo(Long.toString(now.getEpochSecond()));
        StandardWebhooksVerifier verifier = new StandardWebhooksVerifier(secret);
        assertThat(verifier.verify(request.header("webhook-id"), request.header("webhook-timestamp"),
                request.header("webhook-signature"), request.body(), Instant.now())).isTrue();
    }

    @Test
    void theIndependentVerifierRefusesATamperedBodyAnotherSecretOrAStaleTimestamp() {
        try (WebhookSender sender = loopbackSender()) {
            send(sender, receiver.url("127.0.0.1", "/hook"));
        }
        LoopbackReceiver.Received request = receiver.received().getFirst();
        String id = request.header("webhook-id");
        String timestamp = request.header("webhook-timestamp");
        String signature = request.header("webhook-signature");
        byte[] tampered = request.body().clone();
        tampered[10] ^= 1;

        assertThat(new StandardWebhooksVerifier(secret).verify(id, timestamp, signature, tampered, Instant.now()))
                .isFalse();
        assertThat(new StandardWebhooksVerifier(WebhookSigner.newSecret())
                .verify(id, timestamp, signature, request.body(), Instant.now())).isFalse();
        assertThat(new StandardWebhooksVerifier(secret).verify(id, timestamp, signature, request.body(),
                Instant.now().plus(Duration.ofMinutes(6)))).isFalse();
        assertThat(new StandardWebhooksVerifier(secret).verify("msg_43", timestamp, signature, request.body(),
                Instant.now())).isFalse();
    }

    @Test
    void mapsEachAnswerToItsOutcomeWithoutARetry() {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(600));
        try (WebhookSender sender = loopbackSender()) {
            URI url = receiver.url("127.0.0.1", "/hook");

            receiver.answer(LoopbackReceiver.status(410, Map.of()));
            DeliveryResult gone = send(sender, url);
            receiver.answer(LoopbackReceiver.status(404, Map.of()));
            DeliveryResult notFound = send(sender, url);
            receiver.answer(LoopbackReceiver.status(503, Map.of("Retry-After", "120")));
            DeliveryResult unavailable = send(sender, url);
            receiver.answer(LoopbackReceiver.status(429, Map.of("Retry-After", date)));
            DeliveryResult limited = send(sender, url);
            receiver.answer(LoopbackReceiver.status(302, Map.of("Location", "http://169.254.169.254/")));
            DeliveryResult redirected = send(sender, url);
            receiver.answer(LoopbackReceiver.status(204, Map.of()));
            DeliveryResult noContent = send(sender, url);

            assertThat(gone).extracting(DeliveryResult::outcome, DeliveryResult::status, DeliveryResult::detail)
                    .containsExactly(DeliveryResult.Outcome.GONE, 410, "410 Gone");
            assertThat(notFound).extracting(DeliveryResult::outcome, DeliveryResult::status, DeliveryResult::detail)
                    .containsExactly(DeliveryResult.Outcome.FAILED, 404, "404");
            assertThat(notFound.retryAfter()).isNull();
            assertThat(unavailable.outcome()).isEqualTo(DeliveryResult.Outcome.FAILED);
            assertThat(unavailable.retryAfter()).isEqualTo(Duration.ofSeconds(120));
            assertThat(limited.status()).isEqualTo(429);
            assertThat(limited.retryAfter()).isBetween(Duration.ofSeconds(500), Duration.ofSeconds(601));
            assertThat(redirected).extracting(DeliveryResult::outcome, DeliveryResult::status)
                    .containsExactly(DeliveryResult.Outcome.FAILED, 302);
            assertThat(noContent.outcome()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
            assertThat(receiver.received()).hasSize(6);
            assertThat(receiver.received()).extracting(LoopbackReceiver.Received::path).containsOnly("/hook");
        }
    }

    @Test
    void aSlowReceiverTimesOutWithASanitisedDetail() {
        receiver.answer(exchange -> {
            Thread.sleep(3_000);
            LoopbackReceiver.status(200, Map.of()).answer(exchange);
        });
        DeliveryResult result;
        try (WebhookSender sender = sender(config(true, Duration.ofMillis(300)), HostResolver.system())) {
            result = send(sender, receiver.url("127.0.0.1", "/slow"));
        }

        assertThat(result).extracting(DeliveryResult::outcome, DeliveryResult::status, DeliveryResult::detail)
                .containsExactly(DeliveryResult.Outcome.FAILED, 0, "timeout after 300 ms");
        assertThat(result.latencyMillis()).isLessThan(2_500);
    }

    @Test
    void aClosedPortIsConnectionRefused() throws IOException {
        DeliveryResult result;
        // a port held bound but not listening: a connection to it is refused, and no other process can take it and
        // listen meanwhile (a ServerSocket's port closed before the send could be)
        try (java.net.Socket held = new java.net.Socket();
                WebhookSender sender = loopbackSender()) {
            held.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            result = send(sender, URI.create("http://127.0.0.1:" + held.getLocalPort() + "/hook"));
        }

        assertThat(result).extracting(DeliveryResult::outcome, DeliveryResult::detail)
                .containsExactly(DeliveryResult.Outcome.FAILED, "connection refused");
    }

    @Test
    void aLargeAnswerIsCutAndTheStatusDecides() {
        receiver.answer(LoopbackReceiver.body(200, new byte[5 << 20]));
        DeliveryResult result;
        try (WebhookSender sender = loopbackSender()) {
            result = send(sender, receiver.url("127.0.0.1", "/big"));
        }

        assertThat(result.outcome()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
    }

    @Test
    void timeoutsOfOneUsersUrlDoNotCutOffOtherUrlsOnTheSameHost() {
        receiver.answer(exchange -> {
            if (exchange.getRequestURI().getPath().startsWith("/hang")) {
                Thread.sleep(3_000);
            }
            LoopbackReceiver.status(200, Map.of()).answer(exchange);
        });
        try (WebhookSender sender = sender(config(true, Duration.ofMillis(200)), HostResolver.system())) {
            for (int i = 0; i < 10; i++) {
                assertThat(sender.send(4, receiver.url("127.0.0.1", "/hang/z" + i % 4), "msg_4", Instant.now(),
                        BODY, secret).detail()).isEqualTo("timeout after 200 ms");
            }

            DeliveryResult other = sender.send(1, receiver.url("127.0.0.1", "/ok/a"), "msg_1", Instant.now(), BODY,
                    secret);

            assertThat(other.outcome()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
        }
    }

    @Test
    void oneUsersHangingReceiversHoldOnlyTheirShareOfAHostAndTheirNextAttemptIsDeferredUnsent() throws Exception {
        receiver.answer(exchange -> {
            if (exchange.getRequestURI().getPath().startsWith("/hang")) {
                Thread.sleep(4_000);
            }
            LoopbackReceiver.status(200, Map.of()).answer(exchange);
        });
        try (WebhookSender sender = sender(config(true, Duration.ofSeconds(3)), HostResolver.system());
                var hanging = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < WebhookSender.CONNECTIONS_PER_USER; i++) {
                String path = "/hang/z" + i;
                hanging.submit(() -> sender.send(4, receiver.url("127.0.0.1", path), "msg_4", Instant.now(), BODY,
                        secret));
            }
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> receiver.received().size() == WebhookSender.CONNECTIONS_PER_USER);

            long start = System.nanoTime();
            DeliveryResult third = sender.send(4, receiver.url("127.0.0.1", "/hang/z3"), "msg_4", Instant.now(),
                    BODY, secret);
            long waitedMillis = (System.nanoTime() - start) / 1_000_000;
            DeliveryResult other = sender.send(1, receiver.url("127.0.0.1", "/ok/a"), "msg_1", Instant.now(), BODY,
                    secret);

            assertThat(third).extracting(DeliveryResult::outcome, DeliveryResult::status, DeliveryResult::latencyMillis,
                    DeliveryResult::detail).containsExactly(DeliveryResult.Outcome.DEFERRED, 0, 0L,
                    "this user's deliveries in flight to host");
            // refused without waiting, so a user's backlog holds no worker slot, and tried again after an attempt's
            // timeout, when the user's own attempts have ended
            assertThat(third.retryAfter()).isEqualTo(Duration.ofSeconds(3));
            assertThat(waitedMillis).isLessThan(500);
            assertThat(other.outcome()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
            assertThat(receiver.received()).extracting(LoopbackReceiver.Received::path)
                    .doesNotContain("/hang/z3").contains("/ok/a");
        }
    }

    @Test
    void oneUrlAnswering500DoesNotCutOffOtherUrlsOnTheSameHost() {
        receiver.answer(exchange -> LoopbackReceiver.status(
                exchange.getRequestURI().getPath().equals("/broken") ? 500 : 200, Map.of()).answer(exchange));
        try (WebhookSender sender = loopbackSender()) {
            for (int i = 0; i < 10; i++) {
                assertThat(send(sender, receiver.url("127.0.0.1", "/broken")).detail()).isEqualTo("500");
            }

            DeliveryResult other = send(sender, receiver.url("127.0.0.1", "/fine"));

            assertThat(other.outcome()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
            assertThat(receiver.received()).hasSize(11);
        }
    }

    @Test
    void aNameThatRebindsToLoopbackAfterRegistrationIsRefusedAtDelivery() {
        AtomicReference<String> answer = new AtomicReference<>("93.184.216.34");
        HostResolver flipping = host -> host.equals("hooks.example.com")
                ? List.of(WebhookUrlPolicyTest.address(answer.get())) : List.of();
        WebhooksConfig production = config(false, Duration.ofSeconds(5));
        WebhookUrlPolicy policy = new WebhookUrlPolicy(production, flipping);
        URI registered = policy.checkRegistration("url", "https://hooks.example.com:" + receiver.port() + "/hook");

        answer.set("127.0.0.1");
        DeliveryResult result;
        try (WebhookSender sender = new WebhookSender(production, policy, registry)) {
            result = send(sender, registered);
        }

        assertThat(result).extracting(DeliveryResult::outcome, DeliveryResult::status, DeliveryResult::detail)
                .containsExactly(DeliveryResult.Outcome.REFUSED, 0, "address not allowed (loopback)");
        assertThat(receiver.received()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1", "169.254.169.254", "::1", "::ffff:127.0.0.1", "fd00::1", "0.0.0.0"})
    void refusesEveryBlockedAddressAtDeliveryWithoutConnecting(String address) {
        HostResolver resolver = host -> List.of(WebhookUrlPolicyTest.address(address));
        DeliveryResult result;
        try (WebhookSender sender = sender(config(false, Duration.ofSeconds(5)), resolver)) {
            result = send(sender, URI.create("https://hooks.example.com:" + receiver.port() + "/hook"));
        }

        assertThat(result.outcome()).isEqualTo(DeliveryResult.Outcome.REFUSED);
        assertThat(result.detail()).doesNotContain(address);
        assertThat(receiver.received()).isEmpty();
    }

    @Test
    void refusesALoopbackLiteralThatSkippedRegistration() {
        DeliveryResult result;
        try (WebhookSender sender = sender(config(false, Duration.ofSeconds(5)), HostResolver.system())) {
            result = send(sender, receiver.url("127.0.0.1", "/hook"));
        }

        assertThat(result.outcome()).isEqualTo(DeliveryResult.Outcome.REFUSED);
        assertThat(receiver.received()).isEmpty();
    }

    @Test
    void recordsAttemptsInWeftHttpsMetersWithoutNamingTheReceiver() {
        try (WebhookSender sender = loopbackSender()) {
            send(sender, receiver.url("127.0.0.1", "/hook"));
        }

        assertThat(registry.find("http.client.requests").tag("client.name", WebhookSender.CLIENT_NAME)
                .tag("host", "{host}").tag("uri", "http://{host}/{path}").timer())
                .isNotNull().satisfies(timer -> assertThat(timer.count()).isEqualTo(1));
        assertThat(registry.getMeters()).allSatisfy(meter -> assertThat(meter.getId().toString())
                .doesNotContain(":" + receiver.port()));
        assertThat(registry.find("weft.http.breaker.state").meters()).isEmpty();
    }
}
