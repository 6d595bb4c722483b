package dev.weft.service.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.weft.service.LogConfigurator;
import dev.weft.service.TestBackends;
import dev.weft.service.TestService;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * What the edge records of each request, on a service started in-process on SQLite: the access line carries the id
 * of its own request (from {@link RequestState}, through {@link RequestMdc}), and {@code http.server.requests} counts
 * each answer once under its method, template, status, outcome and exception, whichever way the filter found the
 * timer (the route's own table, or the lookup for paths no route takes and for answers an exception produced).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EdgeTelemetryTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private TestService service;
    private final ListAppender<ILoggingEvent> access = new ListAppender<>();
    private Logger accessLogger;
    private @Nullable Level accessLevel;

    @BeforeAll
    void start() {
        service = new TestService(TestBackends.SQLITE);
        accessLogger = (Logger) LoggerFactory.getLogger(LogConfigurator.ACCESS_LOGGER);
        accessLevel = accessLogger.getLevel();
        accessLogger.setLevel(Level.INFO);
        access.start();
        accessLogger.addAppender(access);
    }

    @AfterAll
    void stop() {
        accessLogger.detachAppender(access);
        accessLogger.setLevel(accessLevel);
        service.close();
    }

    @Test
    void eachAccessLineCarriesTheIdOfItsOwnRequest() {
        TestService.Response sent = service.call("GET", "/health/live", null, null, "X-Request-Id", "edge-log-1");
        TestService.Response made = service.get("/health/live", null);
        TestService.Response unmatched = service.call("GET", "/no/such/route", null, null, "X-Request-Id",
                "edge-log-2");

        String madeId = made.header("X-Request-Id");
        assertThat(sent.header("X-Request-Id")).isEqualTo("edge-log-1");
        assertThat(madeId).isNotBlank().isNotEqualTo("edge-log-1");
        assertThat(unmatched.status()).isEqualTo(404);
        Map<String, String> live1 = accessLine("edge-log-1");
        Map<String, String> live2 = accessLine(madeId);
        Map<String, String> none = accessLine("edge-log-2");
        assertThat(live1).containsEntry("http.route", "/health/live").containsEntry("http.response.status_code", "200");
        assertThat(live2).containsEntry("http.route", "/health/live");
        assertThat(none).containsEntry("http.route", "unmatched").containsEntry("http.response.status_code", "404");
        assertThat(MDC.get("request_id")).as("nothing is left in this thread's MDC").isNull();
    }

    @Test
    void everyAnswerIsCountedOnceUnderItsMethodTemplateStatusOutcomeAndException() {
        String[] liveGet = {"GET", "/health/live", "200", "SUCCESS", "none"};
        String[] liveHead = {"HEAD", "/health/live", "200", "SUCCESS", "none"};
        String[] noKey = {"GET", "/users/{id}", "401", "CLIENT_ERROR", "ProblemException"};
        String[] noUser = {"GET", "/users/{id}", "404", "CLIENT_ERROR", "NotFoundException"};
        String[] noRoute = {"GET", "unmatched", "404", "CLIENT_ERROR", "none"};
        List<String[]> series = List.of(liveGet, liveHead, noKey, noUser, noRoute);
        List<Long> before = series.stream().map(this::count).toList();

        service.get("/health/live", null);
        service.get("/health/live", null);
        service.call("HEAD", "/health/live", null, null);
        assertThat(service.get("/users/1", null).status()).isEqualTo(401);
        assertThat(service.admin("GET", "/users/987654321", null).status()).isEqualTo(404);
        assertThat(service.get("/no/such/route", null).status()).isEqualTo(404);

        // a request is counted after its answer went out
        List<Long> added = List.of(2L, 1L, 1L, 1L, 1L);
        Awaitility.await().atMost(WAIT).untilAsserted(() -> {
            for (int i = 0; i < series.size(); i++) {
                assertThat(count(series.get(i)) - before.get(i)).as(String.join(" ", series.get(i)))
                        .isEqualTo(added.get(i));
            }
        });
        assertThat(service.service.context().registry().find("http.server.requests").timers())
                .as("a series appears with its first answer, none registered ahead")
                .allSatisfy(timer -> assertThat(timer.count()).isPositive());
    }

    @Test
    void aMethodOutsideHttpsOwnIsCountedAndLoggedAsOtherSoNoClientAddsSeriesAtWill() {
        // any token is a method: each one the client made up was a series of its own in /metrics, without a key
        String[] other = {"_OTHER", "unmatched", "405", "CLIENT_ERROR", "none"};
        long before = count(other);

        for (int i = 0; i < 5; i++) {
            assertThat(service.call("M" + i + "X", "/users", null, null, "X-Request-Id", "edge-other-" + i).status())
                    .isEqualTo(405);
        }

        Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(count(other) - before).isEqualTo(5));
        assertThat(service.service.context().registry().find("http.server.requests").timers())
                .noneMatch(timer -> timer.getId().getTag("method").startsWith("M"));
        assertThat(accessLine("edge-other-3")).containsEntry("http.request.method", "_OTHER")
                .containsEntry("http.request.method_original", "M3X");
    }

    private long count(String[] tags) {
        Timer timer = service.service.context().registry().find("http.server.requests").tag("method", tags[0])
                .tag("uri", tags[1]).tag("status", tags[2]).tag("outcome", tags[3]).tag("exception", tags[4])
                .timer();
        return timer == null ? 0 : timer.count();
    }

    private List<ILoggingEvent> lines() {
        synchronized (access) { // the lock Logback appends under
            return List.copyOf(access.list);
        }
    }

    /** @return the key-values of the access line whose MDC has this request id, once it is there */
    private Map<String, String> accessLine(String requestId) {
        ILoggingEvent line = Awaitility.await().atMost(WAIT).until(() -> lines().stream()
                .filter(event -> requestId.equals(event.getMDCPropertyMap().get("request_id"))).findFirst()
                .orElse(null), found -> found != null);
        Map<String, String> pairs = new LinkedHashMap<>();
        line.getKeyValuePairs().forEach(pair -> pairs.put(pair.key, String.valueOf(pair.value)));
        return pairs;
    }
}
