package dev.weft.service.events;

import static dev.weft.service.TestService.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.service.TestBackends;
import dev.weft.service.TestService;
import dev.weft.service.jobs.JobsConfig;
import dev.weft.service.provider.LocalProvider;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * {@code GET /videos/{video_id}/events} and {@code GET /events} through HTTP on one database (each subclass names
 * it), with the local provider finishing a job in 1 s, read by an independent SSE client ({@link SseClient}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class EventStreamContract {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final int PER_KEY = 3;
    static final List<String> LIFE = List.of("queued", "uploading", "processing", "completed");
    TestService service;

    abstract TestBackends backend();

    @BeforeAll
    void start() {
        service = new TestService(backend().isolate(), true, config -> config,
                () -> LocalProvider.create(Duration.ofSeconds(1), Clock.systemUTC()), jobs(),
                EventsConfig.defaults().withHeartbeat(Duration.ofMillis(300)).withStreamLimits(50, PER_KEY));
    }

    static JobsConfig jobs() {
        return JobsConfig.defaults().withWorkers(2).withLease(Duration.ofSeconds(5))
                .withPolling(Duration.ofMillis(100), Duration.ofMillis(200))
                .withRetries(3, Duration.ofMillis(100), Duration.ofMillis(500));
    }

    @AfterAll
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    static String upload(TestService service, String key) {
        TestService.Response accepted = service.upload(key, new TestService.Form().file("video", "clip.mp4",
                "frames".getBytes(StandardCharsets.UTF_8)));
        assertThat(accepted.status()).as(accepted.text()).isEqualTo(202);
        return accepted.json().path("video_id").asText();
    }

    String userKey() {
        return service.createUser(unique("ev")).path("api_key").asText();
    }

    @Test
    void aVideosStreamShowsEveryStatusInOrderAndEndsAfterCompleted() throws Exception {
        String key = userKey();
        String videoId = upload(service, key);

        try (SseClient stream = SseClient.open(service.base(), "/videos/" + videoId + "/events", key)) {
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.header("Content-Type")).startsWith("text/event-stream");
            List<SseClient.Event> events = stream.untilEnd(WAIT);

            assertThat(events).extracting(SseClient.Event::type).containsExactlyElementsOf(LIFE);
            assertThat(events).extracting(SseClient.Event::id).isSorted().doesNotHaveDuplicates();
            assertThat(events).allSatisfy(event -> {
                assertThat(event.data().path("video_id").asText()).isEqualTo(videoId);
                assertThat(event.data().path("status").asText()).isEqualTo(event.type());
            });
            JsonNode done = events.getLast().data();
            assertThat(done.path("result_url").asText()).startsWith("local://results/");
            assertThat(done).isEqualTo(service.get("/videos/" + videoId, key).json());
        }
    }

    @Test
    void aClientThatReconnectsWithLastEventIdGetsExactlyTheEventsItMissed() throws Exception {
        String key = userKey();
        List<SseClient.Event> first;
        String videoId;
        try (SseClient stream = SseClient.open(service.base(), "/events", key)) {
            assertThat(stream.status()).isEqualTo(200);
            videoId = upload(service, key);
            first = stream.next(1, WAIT);
        }
        await().atMost(WAIT).until(() -> service.get("/videos/" + videoId, key).json().path("status").asText()
                .equals("completed"));
        String lastSeen = Long.toString(first.getLast().id());

        List<SseClient.Event> rest;
        try (SseClient resumed = SseClient.open(service.base(), "/events", key, "Last-Event-ID", lastSeen)) {
            rest = resumed.next(LIFE.size() - 1, WAIT);
            assertThat(resumed.quietFor(Duration.ofMillis(800))).isTrue();
        }

        assertThat(first).extracting(SseClient.Event::type).containsExactly("queued");
        assertThat(rest).extracting(SseClient.Event::type).containsExactlyElementsOf(LIFE.subList(1, LIFE.size()));
        assertThat(rest.getFirst().id()).isGreaterThan(first.getLast().id());
        assertThat(rest).extracting(SseClient.Event::id).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void theQueryParameterResumesLikeTheHeader() throws Exception {
        String key = userKey();
        String videoId = upload(service, key);
        List<SseClient.Event> all;
        try (SseClient stream = SseClient.open(service.base(), "/videos/" + videoId + "/events", key)) {
            all = stream.untilEnd(WAIT);
        }

        try (SseClient resumed = SseClient.open(service.base(), "/videos/" + videoId + "/events?last_event_id="
                + all.get(1).id(), key)) {
            assertThat(resumed.untilEnd(WAIT)).containsExactlyElementsOf(all.subList(2, all.size()));
        }
    }

    @Test
    void aFinishedVideosStreamResumedPastItsLastEventIsNoContent() throws Exception {
        String key = userKey();
        String videoId = upload(service, key);
        List<SseClient.Event> all;
        try (SseClient stream = SseClient.open(service.base(), "/videos/" + videoId + "/events", key)) {
            all = stream.untilEnd(WAIT);
        }

        try (SseClient again = SseClient.open(service.base(), "/videos/" + videoId + "/events", key,
                "Last-Event-ID", Long.toString(all.getLast().id()))) {
            assertThat(again.status()).isEqualTo(204);
        }
    }

    @Test
    void headAnswersTheStreamsHeadersAtOnce() {
        TestService.Response head = service.call("HEAD", "/events", userKey(), null);

        assertThat(head.status()).isEqualTo(200);
        assertThat(head.header("Content-Type")).startsWith("text/event-stream");
        assertThat(head.text()).isEmpty();
    }

    @Test
    void aStreamSendsHeartbeatCommentsWhileNothingHappens() throws Exception {
        try (SseClient stream = SseClient.open(service.base(), "/events", userKey())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> stream.comments() >= 3);

            assertThat(stream.ended()).isFalse();
        }
    }

    @Test
    void aStreamTellsItsClientToReconnectWithinASecond() throws Exception {
        // an instance that stops ends its streams; an EventSource waits its reconnection time (browsers: ~3 s)
        try (SseClient stream = SseClient.open(service.base(), "/events", userKey())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> stream.comments() >= 1);

            assertThat(stream.retryMillis()).isEqualTo(1000);
        }
    }

    @Test
    void aStreamEndsWithinAHeartbeatWhenItsKeyIsRotated() throws Exception {
        JsonNode user = service.createUser(unique("ev"));
        String oldKey = user.path("api_key").asText();
        try (SseClient stream = SseClient.open(service.base(), "/events", oldKey)) {
            assertThat(stream.status()).isEqualTo(200);
            TestService.Response rotated = service.call("POST", "/users/" + user.path("id").asLong() + "/api-key",
                    oldKey, null);
            assertThat(rotated.status()).isEqualTo(200);

            // the heartbeat is 300 ms: the stream notices at its next one
            assertThat(stream.untilEnd(Duration.ofSeconds(3))).isEmpty();
            upload(service, rotated.json().path("api_key").asText());
            assertThat(stream.quietFor(Duration.ofMillis(500))).isTrue();
        }
    }

    @Test
    void anotherUsersVideoIsNotFoundAndTheirEventsAreForbidden() {
        JsonNode ownerUser = service.createUser(unique("ev"));
        String owner = ownerUser.path("api_key").asText();
        JsonNode other = service.createUser(unique("ev"));
        String videoId = upload(service, owner);
        String ownerId = Long.toString(ownerUser.path("id").asLong());

        try (SseClient stream = SseClient.open(service.base(), "/videos/" + videoId + "/events",
                other.path("api_key").asText())) {
            assertThat(stream.status()).isEqualTo(404);
            assertThat(stream.header("Content-Type")).startsWith("application/problem+json");
            assertThat(stream.problem().path("code").asText()).isEqualTo("not_found");
        }
        try (SseClient missing = SseClient.open(service.base(), "/videos/vid_missing/events", owner)) {
            assertThat(missing.status()).isEqualTo(404);
        }
        try (SseClient stream = SseClient.open(service.base(), "/events?user_id=" + ownerId,
                other.path("api_key").asText())) {
            assertThat(stream.status()).isEqualTo(403);
        }
    }

    @Test
    void theAdminWatchesOneUsersEventsByUserId() throws Exception {
        String quiet = userKey();
        JsonNode watched = service.createUser(unique("ev"));
        String key = watched.path("api_key").asText();
        try (SseClient stream = SseClient.open(service.base(), "/events?user_id=" + watched.path("id").asLong(),
                TestService.ADMIN_KEY)) {
            upload(service, quiet);
            String videoId = upload(service, key);

            List<SseClient.Event> events = stream.next(LIFE.size(), WAIT);

            assertThat(events).extracting(event -> event.data().path("video_id").asText()).containsOnly(videoId);
        }
    }

    @Test
    void noKeyIsUnauthorizedBeforeTheStreamStarts() {
        try (SseClient stream = SseClient.open(service.base(), "/events", null)) {
            assertThat(stream.status()).isEqualTo(401);
            assertThat(stream.header("Content-Type")).startsWith("application/problem+json");
        }
    }

    @Test
    void aMalformedLastEventIdIsABadRequest() {
        try (SseClient stream = SseClient.open(service.base(), "/events", userKey(), "Last-Event-ID", "abc")) {
            assertThat(stream.status()).isEqualTo(400);
            assertThat(stream.problem().path("errors").get(0).path("field").asText()).isEqualTo("Last-Event-ID");
        }
    }

    @Test
    void aLastEventIdAheadOfTheLogIsABadRequestBeforeTheStreamStarts() {
        String key = userKey();
        String videoId = upload(service, key);
        String ahead = Long.toString(Long.MAX_VALUE / 2);

        for (String path : List.of("/events", "/videos/" + videoId + "/events")) {
            try (SseClient stream = SseClient.open(service.base(), path, key, "Last-Event-ID", ahead)) {
                assertThat(stream.status()).isEqualTo(400);
                assertThat(stream.header("Content-Type")).startsWith("application/problem+json");
                assertThat(stream.problem().path("code").asText()).isEqualTo("last_event_id_ahead");
                assertThat(stream.problem().path("detail").asText())
                        .isEqualTo("Last-Event-ID is ahead of the event log; reconnect without it");
            }
        }
        try (SseClient stream = SseClient.open(service.base(), "/events?last_event_id=" + ahead, key)) {
            assertThat(stream.status()).isEqualTo(400);
            assertThat(stream.problem().path("code").asText()).isEqualTo("last_event_id_ahead");
            // names what was sent (it said Last-Event-ID for the query parameter too)
            assertThat(stream.problem().path("detail").asText())
                    .isEqualTo("last_event_id is ahead of the event log; reconnect without it");
        }
    }

    @Test
    void oneStreamTooManyForAKeyIsTooManyRequests() {
        String key = userKey();
        List<SseClient> open = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < PER_KEY; i++) {
                SseClient stream = SseClient.open(service.base(), "/events", key);
                open.add(stream);
                assertThat(stream.status()).isEqualTo(200);
            }

            try (SseClient refused = SseClient.open(service.base(), "/events", key)) {
                assertThat(refused.status()).isEqualTo(429);
                assertThat(refused.header("Retry-After")).isNotNull();
                assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
            }
            try (SseClient otherKey = SseClient.open(service.base(), "/events", userKey())) {
                assertThat(otherKey.status()).isEqualTo(200);
            }
        } finally {
            open.forEach(SseClient::close);
        }
    }
}
