package dev.weft.faults;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A provider that answers badly ({@link HostileProvider}: HTML error pages, a stack trace, truncated and garbage
 * JSON, a {@code 200} of the wrong shape, connections closed mid-body or unanswered, an unknown status, a failure
 * message naming the provider's classes and hosts), two jobs per kind of answer. The service is configured to give
 * up quickly (3 attempts 200 ms apart, one HTTP retry, a breaker that does not open on these few calls): the
 * scenario is about what each answer becomes, not about how long the service insists.
 *
 * <p>Promises (issue 17): every job ends {@code failed}, or {@code completed} where the answer is usable; a failed
 * job says why ({@code error} not blank); no user-visible field (GET /videos/{id}, GET /videos, problem bodies)
 * holds a class or exception name, library internals (Jackson, HC5, Helidon) or an internal address (127.0.0.1:port,
 * the provider's host:port, the addresses in the provider's own error pages).
 */
class HostileProviderScenario {
    private static final int PER_CASE = 2;

    @Test
    @Tag("smoke")
    void hostileAnswersNeverReachUsers() throws Exception {
        String scenario = "hostile provider answers";
        Path work = ScenarioLogs.fresh("HostileProviderScenario");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PROVIDER_URL", "");
        env.put("WEFT_WORKERS", "8");
        env.put("WEFT_JOBS_MAX_ATTEMPTS", "3");
        env.put("WEFT_JOBS_RETRY_DELAY_MS", "200");
        env.put("WEFT_JOBS_MAX_RETRY_DELAY_MS", "1000");
        env.put("WEFT_HTTP_PROVIDER_MAX_RETRIES", "1");
        env.put("WEFT_HTTP_PROVIDER_BREAKER_THRESHOLD", "1000");
        try (HostileProvider provider = HostileProvider.start()) {
            env.put("PROVIDER_URL", provider.url());
            try (ServiceProcess service = ServiceProcess.start("a", work, env)) {
                String url = service.url("");
                Http http = new Http(Duration.ofSeconds(10));
                History history = new History();
                VideoJobsClient client = new VideoJobsClient(http, history);
                VideoJobsClient.User user = client.createUser(url, "hostile_" + System.nanoTime() % 100_000);
                Map<String, HostileProvider.Case> cases = new LinkedHashMap<>();
                for (HostileProvider.Case which : HostileProvider.Case.values()) {
                    for (int i = 0; i < PER_CASE; i++) {
                        client.submit(url, user, "hostile", which.name().toLowerCase() + "-" + i + ".mp4",
                                ("case=" + which.name() + "\n").getBytes(StandardCharsets.UTF_8),
                                VideoJobsClient.json(Map.of("case", which.name())))
                                .ifPresent(video -> cases.put(video.videoId(), which));
                    }
                }
                boolean allFinal = client.awaitFinal(url, System.nanoTime() + Duration.ofSeconds(120).toNanos(),
                        Duration.ofMillis(500));

                List<String> wrongEnd = new ArrayList<>();
                List<String> silentFailures = new ArrayList<>();
                Map<String, String> errors = new LinkedHashMap<>();
                for (VideoJobsClient.Video video : client.videos()) {
                    Http.Answer answer = http.get(url + "/videos/" + video.videoId(), Http.user(user.key()));
                    client.visibleTexts().add(answer.body());
                    String status = answer.json().path("status").asText();
                    String error = answer.json().path("error").asText("");
                    HostileProvider.Case which = cases.get(video.videoId());
                    String expected = which.usable() ? "completed" : "failed";
                    if (!expected.equals(status)) {
                        wrongEnd.add(which + " ended " + status + " (expected " + expected + ")");
                    }
                    if ("failed".equals(status)) {
                        errors.putIfAbsent(which.name(), error);
                        if (error.isBlank()) {
                            silentFailures.add(which.name());
                        }
                    }
                }
                // problem bodies a user meets around these videos
                VideoJobsClient.Video any = client.videos().iterator().next();
                client.visibleTexts().add(http.post(url + "/videos/" + any.videoId() + "/cancel",
                        Http.user(user.key()), Map.of()).body());
                client.poll(url, "reader");
                List<String> leaks = client.leaks(provider.url(), "127.0.0.1:" + provider.port(),
                        HostileProvider.INTERNAL_HOST);
                System.out.println(scenario + ": errors users see per case: " + errors);

                Report.record(scenario, "every job ends failed, or completed where the answer is usable",
                        (allFinal ? "all final" : "not all final after 120 s") + ", " + wrongEnd.size() + " of "
                                + client.videos().size() + " ended otherwise"
                                + (wrongEnd.isEmpty() ? "" : ", e.g. " + wrongEnd.getFirst()),
                        allFinal && wrongEnd.isEmpty());
                Report.record(scenario, "a failed job says why (error not blank)", silentFailures.size()
                        + " failed without a reason", silentFailures.isEmpty());
                Report.record(scenario, "0 class names, library internals or internal addresses in user-visible"
                        + " fields", leaks.size() + " found in " + client.visibleTexts().size() + " texts"
                        + (leaks.isEmpty() ? "" : ", e.g. " + leaks.getFirst()), leaks.isEmpty());
                SoftAssertions soft = new SoftAssertions();
                soft.assertThat(allFinal).as("every job final: %s", client.statusCounts()).isTrue();
                soft.assertThat(wrongEnd).as("jobs that ended otherwise").isEmpty();
                soft.assertThat(silentFailures).as("failed without a reason").isEmpty();
                soft.assertThat(leaks).as("internals in user-visible fields").isEmpty();
                soft.assertThat(client.illegalTransitions()).as("illegal transitions").isEmpty();
                soft.assertAll();
            }
        }
    }
}
