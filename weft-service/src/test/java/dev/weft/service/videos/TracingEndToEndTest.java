package dev.weft.service.videos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.service.TestService;
import dev.weft.service.videos.OtlpReceiver.ReceivedSpan;
import java.io.IOException;
import java.net.BindException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traces end to end, with the service as the real {@code weft serve} command in a child JVM ({@link ChildService}):
 * its OpenTelemetry SDK exports over OTLP/HTTP protobuf to a real receiver in the test ({@link OtlpReceiver}), and its
 * provider is a stub that records the {@code traceparent} of each call ({@link TracingProviderStub}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TracingEndToEndTest {
    private static final String ADMIN_KEY = "tracing-admin-key-0123456789abcdef";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dir;

    /**
     * {@code POST /process-video} with a {@code traceparent}: the server span continues that trace; the database
     * and cache spans of the submission are under it; each job step span has the same trace id, is a child of the server span
     * and links to it; the provider calls are client spans under the steps; and the
     * provider saw the same trace id, with a client span's id as parent.
     */
    @Test
    void theTraceOfPostProcessVideoGoesFromTheRequestThroughTheJobStepsToTheProvider() throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.start(); TracingProviderStub provider = TracingProviderStub.start()) {
            Map<String, String> env = Map.of("WEFT_ADMIN_KEY", ADMIN_KEY, "WEFT_WORKERS", "1",
                    "PROVIDER_URL", provider.url(), "WEFT_JOBS_POLL_MS", "100", "WEFT_JOBS_IDLE_POLL_MS", "200",
                    "WEFT_ACCESS_LOG", "INFO",
                    "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(),
                    "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf", "OTEL_BSP_SCHEDULE_DELAY", "100");
            String traceId = randomHex(16);
            String callerSpanId = randomHex(8);
            String videoId;
            int port = ChildService.freePort();
            try (ChildService service = ChildService.start(port, dir.resolve("data"), dir.resolve("service.log"),
                    "256m", env, List.of(), true)) {
                String key = createUser(port);
                videoId = upload(port, key, "00-" + traceId + "-" + callerSpanId + "-01", "trace-e2e-1");
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                        .until(() -> get(port, "/videos/" + videoId, key).path("status").asText()
                                .equals("completed"));
                // the three steps (upload, processing, polling) and their provider calls, once exported
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                        .until(() -> steps(receiver.trace(traceId)).size() >= 3
                                && provider.calls().size() >= 3);
            }
            List<ReceivedSpan> trace = receiver.trace(traceId);

            ReceivedSpan server = trace.stream().filter(span -> span.kind().equals("SPAN_KIND_SERVER")
                    && span.name().equals("POST /process-video")).findFirst().orElseThrow(() ->
                    new AssertionError("no server span of POST /process-video in " + trace));
            assertThat(server.parentSpanId()).as("the caller's span is the parent").isEqualTo(callerSpanId);
            assertThat(server.attributes()).containsEntry("http.request.method", "POST")
                    .containsEntry("http.route", "/process-video").containsEntry("url.path", "/process-video")
                    .containsEntry("http.response.status_code", "202").containsEntry("request_id", "trace-e2e-1");
            assertThat(server.resource()).containsEntry("service.name", "weft").containsKey("service.version");

            List<ReceivedSpan> steps = steps(trace);
            assertThat(steps).extracting(ReceivedSpan::name)
                    .contains("job.step queued", "job.step uploaded", "job.step polling");
            for (ReceivedSpan step : steps) {
                assertThat(step.parentSpanId()).as("%s is a child of the server span", step.name())
                        .isEqualTo(server.spanId());
                assertThat(step.linkedSpanIds()).as("%s links to the server span", step.name())
                        .containsExactly(server.spanId());
                assertThat(step.attributes()).containsEntry("video.id", videoId).containsKey("job.id")
                        .containsEntry("request_id", "trace-e2e-1");
            }

            List<ReceivedSpan> providerSpans = trace.stream().filter(span -> span.kind().equals("SPAN_KIND_CLIENT")
                    && !isDatabase(span)).toList();
            assertThat(providerSpans).as("provider client spans").isNotEmpty()
                    .allSatisfy(span -> assertThat(descendsFromAny(span, steps, trace)).as(span.name()).isTrue());
            List<String> clientSpanIds = providerSpans.stream().map(ReceivedSpan::spanId).toList();
            assertThat(provider.calls()).as("every provider call carried the trace").allSatisfy(call -> {
                assertThat(call.traceParent()).startsWith("00-" + traceId + "-");
                assertThat(clientSpanIds).contains(call.traceParent().substring(36, 52));
            });
            // the logs: the request's access line and the job's lines carry the same trace.id and request_id
            List<JsonNode> lines = jsonLines(dir.resolve("service.log"));
            assertThat(lines).as("the request's access log line").anySatisfy(line -> {
                assertThat(field(line, "request_id")).isEqualTo("trace-e2e-1");
                assertThat(field(line, "trace.id")).isEqualTo(traceId);
                assertThat(field(line, "job.id")).isNull();
            });
            assertThat(lines).as("a log line of a job step").anySatisfy(line -> {
                assertThat(line.path("message").asText()).isEqualTo("job finished");
                assertThat(field(line, "trace.id")).isEqualTo(traceId);
                assertThat(field(line, "request_id")).isEqualTo("trace-e2e-1");
                assertThat(field(line, "video.id")).isEqualTo(videoId);
                assertThat(field(line, "job.id")).startsWith("job_");
            });

            assertThat(trace).as("the cache spans of the request (the caller's principal, the user's cached views)")
                    .anySatisfy(span -> {
                        assertThat(span.attribute("cache.name")).isEqualTo("weft-profiles");
                        assertThat(descendsFrom(span, server, trace)).isTrue();
                    });

            List<ReceivedSpan> databaseSpans = trace.stream().filter(TracingEndToEndTest::isDatabase).toList();
            assertThat(databaseSpans).as("database spans of the submission under the server span")
                    .anySatisfy(span -> assertThat(descendsFromAny(span, List.of(server), trace)
                            && !descendsFromAny(span, steps, trace)).isTrue());
            assertThat(databaseSpans).as("database spans of the steps")
                    .anySatisfy(span -> assertThat(descendsFromAny(span, steps, trace)).isTrue());

        }
    }

    /**
     * Without {@code OTEL_*} variables: no SDK class is even loaded, and nothing reaches an OTLP receiver on the
     * default port (4318), even after the service stopped (which would flush an exporter). The logs have no
     * {@code trace.id}, but a job's lines still carry the submitting request's {@code request_id} and the job's ids.
     */
    @Test
    void withoutOtelVariablesNoExporterRunsAndNoSdkClassIsLoaded() throws Exception {
        OtlpReceiver defaultPort = null;
        try {
            defaultPort = OtlpReceiver.start(4318);
        } catch (BindException taken) {
            // another process has 4318: the class-loading check below still holds
        }
        Path classes = dir.resolve("classes.log");
        int port = ChildService.freePort();
        String videoId;
        try (ChildService service = ChildService.start(port, dir.resolve("data"), dir.resolve("service.log"),
                "256m", Map.of("WEFT_ADMIN_KEY", ADMIN_KEY, "WEFT_LOCAL_PROVIDER_MS", "0", "WEFT_ACCESS_LOG", "INFO",
                        "WEFT_JOBS_IDLE_POLL_MS", "200"),
                List.of("-Xlog:class+load=info:file=" + classes), true)) {
            String key = createUser(port);
            videoId = upload(port, key, "00-" + randomHex(16) + "-" + randomHex(8) + "-01", "no-trace-1");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> get(port, "/videos/" + videoId, key).path("status").asText().equals("completed"));
        } finally {
            if (defaultPort != null) {
                defaultPort.close();
            }
        }
        List<JsonNode> lines = jsonLines(dir.resolve("service.log"));
        assertThat(lines).allSatisfy(line -> assertThat(field(line, "trace.id")).isNull());
        assertThat(lines).as("the request's access log line").anySatisfy(line ->
                assertThat(field(line, "request_id")).isEqualTo("no-trace-1"));
        assertThat(lines).as("a log line of the job").anySatisfy(line -> {
            assertThat(line.path("message").asText()).isEqualTo("job finished");
            assertThat(field(line, "request_id")).isEqualTo("no-trace-1");
            assertThat(field(line, "video.id")).isEqualTo(videoId);
            assertThat(field(line, "job.id")).startsWith("job_");
        });
        String loaded = Files.readString(classes);
        assertThat(loaded).contains("dev.weft.service.WeftService").doesNotContain("io.opentelemetry.sdk")
                .doesNotContain("io.opentelemetry.exporter");
        if (defaultPort != null) {
            assertThat(defaultPort.spans()).isEmpty();
            assertThat(defaultPort.otherPosts()).isZero();
        }
    }

    /** The service's JSON log lines (lines that are not JSON, such as a JVM warning, are skipped). */
    private static List<JsonNode> jsonLines(Path log) throws IOException {
        List<JsonNode> lines = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith("{")) {
                lines.add(MAPPER.readTree(line));
            }
        }
        return lines;
    }

    /** A field of a log line: top-level (ECS, logstash) or in Logback's {@code mdc} object; null when absent. */
    private static String field(JsonNode line, String name) {
        JsonNode value = line.has(name) ? line.get(name) : line.path("mdc").get(name);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static List<ReceivedSpan> steps(List<ReceivedSpan> trace) {
        return trace.stream().filter(span -> span.name().startsWith("job.step ")).toList();
    }

    private static boolean isDatabase(ReceivedSpan span) {
        return span.attributes().containsKey("db.system") || span.attributes().containsKey("db.system.name");
    }

    private static boolean descendsFromAny(ReceivedSpan span, List<ReceivedSpan> ancestors, List<ReceivedSpan> trace) {
        return ancestors.stream().anyMatch(ancestor -> descendsFrom(span, ancestor, trace));
    }

    /** Whether following parents from {@code span} within the trace reaches {@code ancestor}. */
    private static boolean descendsFrom(ReceivedSpan span, ReceivedSpan ancestor, List<ReceivedSpan> trace) {
        String parent = span.parentSpanId();
        for (int hops = 0; hops < 64 && !parent.isEmpty(); hops++) {
            if (parent.equals(ancestor.spanId())) {
                return true;
            }
            String current = parent;
            ReceivedSpan next = trace.stream().filter(candidate -> candidate.spanId().equals(current)).findFirst()
                    .orElse(null);
            if (next == null) {
                return false;
            }
            parent = next.parentSpanId();
        }
        return false;
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        random[0] |= 1; // never all zeros, which W3C rejects
        return HexFormat.of().formatHex(random);
    }

    private static String createUser(int port) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/users")).header("X-API-Key", ADMIN_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"email\":\"trace@example.com\",\"username\":\"trace_user\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return MAPPER.readTree(response.body()).path("api_key").asText();
    }

    private static String upload(int port, String key, String traceParent, String requestId)
            throws IOException, InterruptedException {
        TestService.Form form = new TestService.Form().file("video", "trace.mp4",
                "frames".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/process-video"))
                .header("X-API-Key", key).header("traceparent", traceParent).header("X-Request-Id", requestId)
                .header("Content-Type", "multipart/form-data; boundary=" + form.boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(form.bytes())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return MAPPER.readTree(response.body()).path("video_id").asText();
    }

    private static JsonNode get(int port, String path, String key) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).header("X-API-Key", key).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return MAPPER.readTree(Objects.requireNonNull(response.body()));
    }
}
