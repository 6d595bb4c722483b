package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.core.Secret;
import dev.weft.service.jobs.JobsConfig;
import dev.weft.service.provider.ProviderServer;
import dev.weft.service.provider.ProviderServerConfig;
import dev.weft.service.provider.Providers;
import dev.weft.service.videos.VideoJobs;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks {@code /metrics} with Prometheus's own parser, {@code promtool check metrics}, after a small workload (users,
 * failing requests, a video job through the HTTP provider), and that it carries the names an operator running weft
 * next to Spring Boot services expects. Also checks {@code /info}.
 *
 * <p>promtool is the Debian package {@code prometheus}; {@code .ci/run} installs it. Under {@code CI=true} a missing
 * promtool fails the test; elsewhere the test is skipped with a message.
 */
class MetricsFormatTest {
    private static final String ADMIN_KEY = "metrics-admin-key-0123456789abcdef";

    /** The names the issue asks for, as Prometheus shows them. */
    private static final List<String> EXPECTED = List.of(
            "http_server_requests_seconds_count{", "jvm_info{", "process_start_time_seconds ",
            "process_uptime_seconds ", "application_started_time_seconds ", "application_ready_time_seconds ",
            "logback_events_total{", "weft_jobs{", "weft_jobs_finished_total{", "weft_jobs_step_seconds_count{",
            "weft_http_breaker_state{", "jvm_memory_used_bytes{", "hikaricp_connections", "cache_gets_total{");

    @TempDir
    Path temp;

    @Test
    void metricsParseWithPromtoolAndCarryTheExpectedNames() throws Exception {
        Path promtool = promtool();
        try (ProviderServer provider = ProviderServer.start(ProviderServerConfig.defaults()
                        .withJobTime(Duration.ofMillis(200)));
                TestBackends.Isolated database = TestBackends.SQLITE.isolate();
                WeftService service = start(database, provider.url())) {
            int port = service.port();
            String key = workload(port);

            String metrics = TestServiceCalls.call(port, "GET", "/metrics", ADMIN_KEY, null).text();

            Path scraped = temp.resolve("metrics.txt");
            Files.writeString(scraped, metrics);
            Check check = promtoolCheck(promtool, scraped);
            // exit 1 and "error while linting: text format parsing error ..." for text Prometheus cannot parse; exit 3
            // for lint findings only: allowed on Micrometer's own binder names (process_cpu_time_ns_total,
            // system_cpu_count), which Spring Boot exports alike and dashboards expect; never on weft's own meters
            assertThat(check.output()).as("promtool reports no parse error").doesNotContain("error while linting")
                    .doesNotContain("parsing error");
            assertThat(check.exitCode()).as("promtool check metrics: %s", check.output()).isIn(0, 3);
            assertThat(check.output().lines().filter(line -> line.startsWith("weft_")
                    || line.startsWith("http_server_requests") || line.startsWith("application_")))
                    .as("no lint finding on a meter weft names itself").isEmpty();
            for (String name : EXPECTED) {
                assertThat(metrics).as("/metrics has %s", name).contains(name);
            }
            assertThat(metrics).containsPattern("http_server_requests_seconds_count\\{[^}]*exception=\"none\"")
                    .containsPattern("http_server_requests_seconds_count\\{[^}]*exception=\"NotFoundException\""
                            + "[^}]*status=\"404\"[^}]*uri=\"/users/\\{id}\"")
                    .containsPattern("weft_http_breaker_state\\{client_name=\"provider\",host=\"[^\"]+\","
                            + "state=\"closed\"} 1\\.0")
                    .containsPattern("weft_http_breaker_state\\{[^}]*state=\"open\"} 0\\.0")
                    .containsPattern("weft_jobs_finished_total\\{state=\"completed\"} 1\\.0")
                    .containsPattern("weft_jobs_step_seconds_count\\{outcome=\"[a-z_]+\",step=\"[a-z_]+\"}")
                    .containsPattern("logback_events_total\\{level=\"info\"} [1-9]");
            assertThat(key).isNotEmpty();
        }
    }

    @Test
    void infoNamesTheBuildTheJvmAndTheDatabaseForTheAdminOnlyUnlessMadePublic() throws Exception {
        try (TestBackends.Isolated database = TestBackends.SQLITE.isolate();
                WeftService service = start(database, null)) {
            int port = service.port();

            TestService.Response anonymous = TestServiceCalls.call(port, "GET", "/info", null, null);
            TestService.Response admin = TestServiceCalls.call(port, "GET", "/info", ADMIN_KEY, null);

            assertThat(anonymous.status()).isEqualTo(401);
            assertThat(admin.status()).as(admin.text()).isEqualTo(200);
            JsonNode info = admin.json();
            BuildInfo build = BuildInfo.current();
            assertThat(info.path("build").path("version").asText()).isEqualTo(build.version()).isNotEqualTo("unknown");
            assertThat(info.path("build").path("time").asText()).isNotEmpty();
            // the commit the build recorded (in a `git worktree` checkout the plugin reads the main checkout's)
            assertThat(info.path("git").path("commit").path("id").asText()).isEqualTo(build.commit())
                    .matches("[0-9a-f]{40}");
            assertThat(info.path("java").path("version").asText()).isEqualTo(Runtime.version().toString());
            assertThat(info.path("java").path("vendor").asText()).isNotEmpty();
            assertThat(info.path("database").path("type").asText()).isEqualTo("sqlite");
            assertThat(info.path("database").path("migration_version").asText()).isNotEmpty()
                    .isEqualTo(service.context().migrations().status().getLast().version());
        }
        try (TestBackends.Isolated database = TestBackends.SQLITE.isolate();
                WeftService service = start(database, null, true)) {
            assertThat(TestServiceCalls.call(service.port(), "GET", "/info", null, null).status()).isEqualTo(200);
        }
    }

    /** Users, a not-found, an invalid body, and one video processed by the HTTP provider. @return a user's key */
    private static String workload(int port) {
        String key = "";
        for (int i = 0; i < 3; i++) {
            String name = TestService.unique("m");
            TestService.Response created = TestServiceCalls.call(port, "POST", "/users", ADMIN_KEY,
                    TestService.json(Map.of("email", name + "@example.com", "username", name)));
            assertThat(created.status()).as(created.text()).isEqualTo(201);
            key = created.json().path("api_key").asText();
        }
        assertThat(TestServiceCalls.call(port, "GET", "/users/999999999", ADMIN_KEY, null).status()).isEqualTo(404);
        assertThat(TestServiceCalls.call(port, "POST", "/users", ADMIN_KEY, "{\"email\":").status()).isEqualTo(400);
        TestService.Form form = new TestService.Form().file("video", "clip.mp4",
                "frames".getBytes(StandardCharsets.UTF_8));
        TestService.Response accepted = TestServiceCalls.send(TestServiceCalls.headers(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/process-video"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(form.bytes()))
                .header("Content-Type", "multipart/form-data; boundary=" + form.boundary), key));
        assertThat(accepted.status()).as(accepted.text()).isEqualTo(202);
        String videoId = accepted.json().path("video_id").asText();
        String userKey = key;
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> TestServiceCalls
                .call(port, "GET", "/videos/" + videoId, userKey, null).json().path("status").asText()
                .equals("completed"));
        return key;
    }

    private static WeftService start(TestBackends.Isolated database, @Nullable String providerUrl) {
        return start(database, providerUrl, false);
    }

    /** A service with the JVM meters on (TestService turns them off) and, if given, the HTTP provider. */
    private static WeftService start(TestBackends.Isolated database, @Nullable String providerUrl,
            boolean infoPublic) {
        ServiceConfig config = ServiceConfig.defaults().withPort(0).withDataDir(database.dataDir())
                .withDatabase(database.config()).withAdminKey(Secret.of(ADMIN_KEY)).withRateLimit(1_000_000)
                .withProviderUrl(providerUrl).withInfoPublic(infoPublic);
        return WeftService.builder(config).jvmMetrics(true)
                .features(Features.standard(VideoJobs.feature(
                        context -> Providers.fromConfig(context.config().providerUrl(), null, Map.of(),
                                context.registry(), context.clock()),
                        context -> JobsConfig.defaults().withWorkers(1))))
                .build().start();
    }

    /** promtool's answer. */
    private record Check(int exitCode, String output) {
    }

    private Check promtoolCheck(Path promtool, Path scraped) throws IOException, InterruptedException {
        Path output = temp.resolve("promtool.txt");
        Process process = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true)
                .redirectInput(scraped.toFile()).redirectOutput(output.toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("promtool did not finish in 60 s");
        }
        String text = Files.readString(output);
        if (!text.isBlank()) {
            System.out.println("promtool check metrics:\n" + text);
        }
        return new Check(process.exitValue(), text);
    }

    /** @return promtool from the PATH; skips the test without it, or fails it under {@code CI=true} */
    private static Path promtool() {
        Optional<Path> found = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(dir -> !dir.isBlank()).map(dir -> Path.of(dir, "promtool")).filter(Files::isExecutable)
                .findFirst();
        if (found.isEmpty()) {
            String message = "promtool is not installed (apt-get install -y --no-install-recommends prometheus)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(message + "; CI=true requires it");
            }
            Assumptions.abort(message + "; skipping the /metrics format check");
        }
        return found.orElseThrow();
    }
}
