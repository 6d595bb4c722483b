package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.core.Secret;
import dev.weft.service.events.EventsConfig;
import dev.weft.service.jobs.JobMigrations;
import dev.weft.service.jobs.JobsConfig;
import dev.weft.service.provider.LocalProvider;
import dev.weft.service.provider.VideoProvider;
import dev.weft.service.videos.VideoJobs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * A service as {@code weft serve} runs it (video jobs installed), started in-process on port 0 over an isolated
 * database, with an HTTP client that talks to it. Used by the tests of every package.
 */
public final class TestService implements AutoCloseable {
    /** The admin key every test service is configured with. */
    public static final String ADMIN_KEY = "test-admin-key-0123456789abcdef";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The database, dropped on {@link #close()}. */
    public final TestBackends.Isolated database;
    /** The data directory (uploads live under it). */
    public final Path dataDir;
    /** The started service. */
    public final WeftService service;
    /** Its video jobs module. */
    public final VideoJobs jobs;
    private final boolean ownsDatabase;

    /**
     * An answer.
     *
     * @param status the status
     * @param headers the headers
     * @param text the body
     */
    public record Response(int status, java.net.http.HttpHeaders headers, String text) {
        /** @return the body as JSON */
        public JsonNode json() {
            try {
                return MAPPER.readTree(text);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + text, e);
            }
        }

        /** @param name a header @return its first value */
        public @Nullable String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    /** @param backend the database */
    public TestService(TestBackends backend) {
        this(backend, UnaryOperator.identity());
    }

    /** @param backend the database @param tweak changes the config */
    public TestService(TestBackends backend, UnaryOperator<ServiceConfig> tweak) {
        this(backend, tweak, () -> LocalProvider.create(Duration.ofMillis(100), Clock.systemUTC()),
                JobsConfig.defaults().withWorkers(1));
    }

    /**
     * @param backend the database
     * @param tweak changes the config
     * @param provider makes the video provider
     * @param jobsConfig the job settings
     */
    public TestService(TestBackends backend, UnaryOperator<ServiceConfig> tweak, Supplier<VideoProvider> provider,
            JobsConfig jobsConfig) {
        this(backend.isolate(), true, tweak, provider, jobsConfig, EventsConfig.defaults());
    }

    /**
     * A service over a database the caller may share with another service (two instances of one deployment).
     *
     * @param database the database and data directory
     * @param ownsDatabase whether {@link #close()} drops the database
     * @param tweak changes the config
     * @param provider makes the video provider
     * @param jobsConfig the job settings
     * @param eventsConfig the event log and stream settings
     */
    public TestService(TestBackends.Isolated database, boolean ownsDatabase, UnaryOperator<ServiceConfig> tweak,
            Supplier<VideoProvider> provider, JobsConfig jobsConfig, EventsConfig eventsConfig) {
        this.database = database;
        this.ownsDatabase = ownsDatabase;
        this.dataDir = database.dataDir();
        ServiceConfig config = tweak.apply(ServiceConfig.defaults().withPort(0).withDataDir(dataDir)
                .withDatabase(database.config()).withAdminKey(Secret.of(ADMIN_KEY)).withRateLimit(1_000_000));
        AtomicReference<VideoJobs> installed = new AtomicReference<>();
        WeftService started;
        try {
            started = WeftService.builder(config).jvmMetrics(false)
                    .features(Features.standard(Feature.of(List.of(JobMigrations::forDialect), context -> {
                        VideoJobs module = VideoJobs.open(context, provider.get(), jobsConfig, eventsConfig);
                        installed.set(module);
                        return module;
                    }))).build().start();
        } catch (RuntimeException e) {
            if (ownsDatabase) {
                database.close();
            }
            throw e;
        }
        this.service = started;
        this.jobs = installed.get();
    }

    /** @param prefix a readable prefix @return a name no other test uses */
    public static String unique(String prefix) {
        return prefix + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    }

    /**
     * @param health a MicroProfile Health body ({@code {"status":...,"checks":[{"name":...},...]}})
     * @param name a check's name
     * @return that check, or a missing node
     */
    public static JsonNode check(JsonNode health, String name) {
        for (JsonNode check : health.path("checks")) {
            if (name.equals(check.path("name").asText())) {
                return check;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    /**
     * Asserts an answer is an RFC 9457 problem with this status and code, and leaks no internals.
     *
     * @param response the answer
     * @param status the expected status
     * @param code the expected {@code code}
     */
    public static void assertProblem(Response response, int status, String code) {
        assertThat(response.status()).as(response.text()).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        JsonNode body = response.json();
        assertThat(body.path("status").asInt()).isEqualTo(status);
        assertThat(body.path("code").asText()).isEqualTo(code);
        assertThat(body.has("type") && body.has("title") && body.has("detail") && body.has("instance")).isTrue();
        assertThat(response.text()).doesNotContainIgnoringCase("exception").doesNotContainIgnoringCase("select ")
                .doesNotContain("at dev.weft");
    }

    /** @return the base URL */
    public String base() {
        return "http://127.0.0.1:" + service.port();
    }

    /**
     * @param method the method
     * @param path the path and query
     * @param key the API key, or none
     * @param body a JSON body, or none
     * @param headers more headers, name then value
     * @return the answer
     */
    public Response call(String method, String path, @Nullable String key, @Nullable String body,
            String... headers) {
        return TestServiceCalls.call(service.port(), method, path, key, body, headers);
    }

    /** @param path the path @param key the API key, or none @return the answer */
    public Response get(String path, @Nullable String key) {
        return call("GET", path, key, null);
    }

    /**
     * @param method the method
     * @param path the path
     * @param body a JSON body, or none
     * @param headers more headers, name then value
     * @return the admin's answer
     */
    public Response admin(String method, String path, @Nullable String body, String... headers) {
        return call(method, path, ADMIN_KEY, body, headers);
    }

    /** @param request a request to this service @return the answer */
    public Response send(HttpRequest.Builder request) {
        return TestServiceCalls.send(request);
    }

    /** A multipart form, built in memory (test bodies are small). */
    public static final class Form {
        /** The boundary. */
        public final String boundary = "weftBoundary" + ThreadLocalRandom.current().nextInt(1_000_000);
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();

        /** @param name the field @param filename the file name @param content the bytes @return this */
        public Form file(String name, String filename, byte[] content) {
            return part("Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename + "\"\r\n"
                    + "Content-Type: video/mp4\r\n", content);
        }

        /** @param name the field @param value its value @return this */
        public Form field(String name, String value) {
            return part("Content-Disposition: form-data; name=\"" + name + "\"\r\n",
                    value.getBytes(StandardCharsets.UTF_8));
        }

        private Form part(String headers, byte[] content) {
            body.writeBytes(("--" + boundary + "\r\n" + headers + "\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(content);
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
            return this;
        }

        /** @return the whole body, closing boundary included */
        public byte[] bytes() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(body.toByteArray());
            out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
            return out.toByteArray();
        }
    }

    /**
     * {@code POST /process-video}.
     *
     * @param key the API key, or none
     * @param form the form
     * @param headers more headers, name then value
     * @return the answer
     */
    public Response upload(@Nullable String key, Form form, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + "/process-video"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(form.bytes()))
                .header("Content-Type", "multipart/form-data; boundary=" + form.boundary);
        return send(TestServiceCalls.headers(request, key, headers));
    }

    /** @param value a value @return it as JSON */
    public static String json(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @param name the user's name @return the created user's JSON (with {@code api_key}), default credits */
    public JsonNode createUser(String name) {
        return createUser(Map.of("email", name + "@example.com", "username", name));
    }

    /** @param name the user's name @param credits its credits @return the created user's JSON (with api_key) */
    public JsonNode createUser(String name, long credits) {
        return createUser(Map.of("email", name + "@example.com", "username", name, "credits", credits));
    }

    private JsonNode createUser(Map<String, Object> body) {
        Response response = admin("POST", "/users", json(body));
        if (response.status() != 201) {
            throw new IllegalStateException("create user failed: " + response.status() + " " + response.text());
        }
        return response.json();
    }

    /** @return the number of video rows */
    public long videoCount() {
        return service.context().database().query("SELECT COUNT(*) FROM videos", Map.of()).one(Long.class);
    }

    /**
     * Files in the upload directory that no video names: a staging file left behind, or an upload stored without its
     * row. The directory is listed before the rows are read, so the job worker deleting a processed video's upload
     * meanwhile (another test's video, on a shared service) neither adds to nor hides from the answer; counting files
     * and rows with files separately did, when a job finished between the two counts.
     *
     * @return those files
     */
    public List<Path> uploadsWithoutVideo() {
        List<Path> files;
        try (var listed = Files.list(dataDir.resolve("uploads"))) {
            files = listed.map(path -> path.toAbsolutePath().normalize()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        java.util.Set<Path> named = new java.util.HashSet<>();
        for (String path : service.context().database().query("SELECT storage_path FROM videos", Map.of())
                .list(String.class)) {
            if (path != null) {
                named.add(Path.of(path).toAbsolutePath().normalize());
            }
        }
        return files.stream().filter(file -> !named.contains(file)).toList();
    }

    @Override
    public void close() {
        try {
            service.close();
        } finally {
            if (ownsDatabase) {
                database.close();
            }
        }
    }
}
