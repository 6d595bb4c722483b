package dev.weft.service.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.service.TestBackends;
import dev.weft.service.TestService;
import dev.weft.service.events.SseClient;
import io.micrometer.core.instrument.FunctionCounter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * {@code GET /admin/dashboard/stream} over HTTP, read by a client that is not the service's code: a snapshot, then
 * one reading every 2 s shared by every open stream, only the changed sections in a reading, the admin key required,
 * and the streams ended when the service stops.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DashboardStreamTest {
    private static final Duration READING = Duration.ofSeconds(10);
    private static final String STREAM = "/admin/dashboard/stream";
    private static final int READINGS = 6;

    private TestService service;

    @BeforeAll
    void start() {
        service = new TestService(TestBackends.SQLITE);
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void startsWithTheWholeDocumentThenSendsEachReading() throws Exception {
        try (SseClient stream = SseClient.open(service.base(), STREAM, TestService.ADMIN_KEY)) {
            SseClient.Event snapshot = stream.next(READING);
            SseClient.Event reading = stream.next(READING);

            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.header("Content-Type")).startsWith("text/event-stream");
            assertThat(stream.header("Cache-Control")).isEqualTo("no-store");
            assertThat(snapshot.type()).isEqualTo("snapshot");
            assertThat(snapshot.data().properties()).extracting(Map.Entry::getKey).containsExactly("started_at", "now",
                    "interval_ms", "window_ms", "samples", "jobs", "routes", "database", "caches", "breakers",
                    "webhooks", "health");
            assertThat(reading.type()).isEqualTo("reading");
            assertThat(reading.id()).isEqualTo(snapshot.id() + 1);
            assertThat(reading.data().has("now")).isTrue();
            assertThat(reading.data().path("samples").isArray()).isTrue();
        }
    }

    @Test
    void sendsOnlyTheSectionsThatChanged() throws Exception {
        try (SseClient stream = SseClient.open(service.base(), STREAM, TestService.ADMIN_KEY)) {
            stream.next(READING); // the snapshot
            SseClient.Event before = stream.next(READING);
            for (int i = 0; i < 5; i++) {
                assertThat(service.get("/health/live", null).status()).isEqualTo(200);
            }

            SseClient.Event withRequests = nextWithSection(stream, "routes");

            assertThat(withRequests.data().path("routes").toString()).contains("/health/live");
            // the local provider has no breaker: the section never changes, so no reading carries it again
            assertThat(before.data().has("breakers")).isFalse();
            assertThat(withRequests.data().has("breakers")).isFalse();
        }
    }

    @Test
    void readsTheTotalsAgainOnlyOnceAPeriod() throws Exception {
        try (SseClient stream = SseClient.open(service.base(), STREAM, TestService.ADMIN_KEY)) {
            stream.next(READING); // the snapshot

            List<SseClient.Event> readings = stream.next(READINGS, READING);

            // six readings (12 s) span at most two 10-s periods: a section read at every reading would be in all six
            assertThat(readings).extracting(SseClient.Event::type).containsOnly("reading");
            assertThat(readings.stream().filter(event -> event.data().has("database")).count()).isLessThanOrEqualTo(2);
            assertThat(readings.stream().filter(event -> event.data().has("caches")).count()).isLessThanOrEqualTo(2);
            // while the samples, with the pool's figures, come with every one
            assertThat(readings).allSatisfy(event -> assertThat(event.data().path("samples").path(0).path("pool")
                    .has("in_use")).isTrue());
        }
    }

    @Test
    void twoOpenStreamsShareOneRenderingPerReading() throws Exception {
        try (SseClient first = SseClient.open(service.base(), STREAM, TestService.ADMIN_KEY);
                SseClient second = SseClient.open(service.base(), STREAM, TestService.ADMIN_KEY)) {
            long firstSnapshot = first.next(READING).id();
            long secondSnapshot = second.next(READING).id();
            long from = Math.max(firstSnapshot, secondSnapshot) + 1;
            SseClient.Event a = readingAtLeast(first, from);
            SseClient.Event b = readingAtLeast(second, a.id());
            assertThat(b.id()).isEqualTo(a.id());
            double rendersBefore = renders();
            double renderingCpuBefore = dashboardCpu("rendering");

            List<SseClient.Event> fromFirst = first.next(READINGS, READING);
            List<SseClient.Event> fromSecond = second.next(READINGS, READING);
            double rendersAfter = renders();

            assertThat(ids(fromFirst)).first().isEqualTo(a.id() + 1);
            assertThat(ids(fromFirst)).last().isEqualTo(a.id() + READINGS);
            assertThat(ids(fromSecond)).isEqualTo(ids(fromFirst));
            for (int i = 0; i < READINGS; i++) {
                assertThat(fromSecond.get(i).data()).as("the same bytes for both").isEqualTo(fromFirst.get(i).data());
            }
            // six readings with two streams open: one rendering each (the counter is read while readings go on, so
            // one fewer or one more), where a rendering per stream would make 10 to 14
            assertThat(rendersAfter - rendersBefore).isBetween(READINGS - 1.0, READINGS + 1.0);
            // what those renderings cost the sampler's thread shows in /metrics, as do its readings
            assertThat(dashboardCpu("rendering")).isGreaterThan(renderingCpuBefore);
            assertThat(dashboardCpu("reading")).isPositive();
        }
    }

    @Test
    void refusesAWrongKeyWithAProblem() throws Exception {
        String userKey = service.createUser(TestService.unique("ds")).path("api_key").asText();

        TestService.assertProblem(service.get(STREAM, "not-the-admin-key-0123456789"), 401, "unauthorized");
        TestService.assertProblem(service.get(STREAM, null), 401, "unauthorized");
        TestService.assertProblem(service.get(STREAM, userKey), 403, "forbidden");
        TestService.assertProblem(service.get(STREAM + "?since=soon", TestService.ADMIN_KEY), 400,
                "validation_failed");
    }

    @Test
    void endsOpenStreamsWhenTheServiceStops() throws Exception {
        TestService own = new TestService(TestBackends.SQLITE);
        SseClient stream;
        try {
            stream = SseClient.open(own.base(), STREAM, TestService.ADMIN_KEY);
            stream.next(READING);
        } finally {
            own.close();
        }

        try (stream) {
            stream.untilEnd(Duration.ofSeconds(10));
            assertThat(stream.ended()).isTrue();
        }
    }

    private double dashboardCpu(String work) {
        FunctionCounter counter = service.service.context().registry().find("weft.dashboard.cpu").tag("work", work)
                .functionCounter();
        assertThat(counter).as("weft.dashboard.cpu{work=%s}", work).isNotNull();
        return counter.count();
    }

    private double renders() {
        FunctionCounter counter = service.service.context().registry().find("weft.dashboard.renders")
                .functionCounter();
        assertThat(counter).isNotNull();
        return counter.count();
    }

    private static SseClient.Event readingAtLeast(SseClient stream, long id) throws InterruptedException {
        while (true) {
            SseClient.Event event = stream.next(READING);
            if (event.id() >= id) {
                return event;
            }
        }
    }

    private static SseClient.Event nextWithSection(SseClient stream, String section) throws InterruptedException {
        for (int i = 0; i < 5; i++) {
            SseClient.Event event = stream.next(READING);
            if (event.data().has(section)) {
                return event;
            }
        }
        throw new AssertionError("no reading with " + section);
    }

    private static SseClient.Event nextWithout(SseClient stream, String section) throws InterruptedException {
        for (int i = 0; i < 5; i++) {
            SseClient.Event event = stream.next(READING);
            if (!event.data().has(section)) {
                return event;
            }
        }
        throw new AssertionError("every reading had " + section);
    }

    private static List<Long> ids(List<SseClient.Event> events) {
        List<Long> out = new ArrayList<>();
        events.forEach(event -> out.add(event.id()));
        return out;
    }
}
