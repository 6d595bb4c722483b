package dev.weft.service.videos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.core.Secret;
import dev.weft.db.Database;
import dev.weft.db.DatabaseConfig;
import dev.weft.db.DatabaseType;
import dev.weft.service.ServiceConfig;
import dev.weft.service.WeftService;
import dev.weft.service.jobs.JobMigrations;
import dev.weft.service.jobs.JobsConfig;
import dev.weft.service.provider.VideoProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * A service with the video jobs installed, started in-process on port 0 over an isolated database (a SQLite file in
 * a temporary directory, a PostgreSQL schema or a MariaDB database of its own, dropped at the end), and a client that talks to it.
 */
final class VideoService implements AutoCloseable {
    static final String ADMIN_KEY = "test-admin-key-videos-0123456789";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    enum Backend { SQLITE, POSTGRESQL, MARIADB }

    final Backend backend;
    final Path dataDir;
    final WeftService service;
    final VideoJobs jobs;
    private final String schema;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** An answer. */
    record Response(int status, java.net.http.HttpHeaders headers, String text) {
        JsonNode json() {
            try {
                return MAPPER.readTree(text);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + text, e);
            }
        }

        @Nullable String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    VideoService(Backend backend, Supplier<VideoProvider> provider, JobsConfig jobsConfig,
            UnaryOperator<ServiceConfig> tweak) {
        this.backend = backend;
        this.schema = "weft_v_" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
        try {
            this.dataDir = Files.createTempDirectory("weft-videos-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DatabaseConfig database = switch (backend) {
            case SQLITE -> DatabaseConfig.builder(DatabaseType.SQLITE).database(dataDir.resolve("weft.db").toString())
                    .name("videos-sqlite").poolSize(4).acquireTimeout(Duration.ofSeconds(20)).build();
            case POSTGRESQL -> {
                try (Database admin = Database.create(pg().poolSize(1).build())) {
                    admin.execute("CREATE SCHEMA " + schema);
                }
                yield pg().property("currentSchema", schema).build();
            }
            case MARIADB -> {
                try (Database admin = Database.create(maria("test").poolSize(1).build())) {
                    admin.execute("CREATE DATABASE " + schema + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
                }
                yield maria(schema).build();
            }
        };
        ServiceConfig config = tweak.apply(ServiceConfig.defaults().withPort(0).withDataDir(dataDir)
                .withDatabase(database).withAdminKey(Secret.of(ADMIN_KEY)).withRateLimit(1_000_000));
        AtomicReference<VideoJobs> installed = new AtomicReference<>();
        try {
            this.service = WeftService.builder(config).jvmMetrics(false).migrations(JobMigrations::forDialect)
                    .module(context -> {
                        VideoJobs module = VideoJobs.open(context, provider.get(), jobsConfig);
                        installed.set(module);
                        return module;
                    }).build().start();
        } catch (RuntimeException e) {
            dropSchema();
            throw e;
        }
        this.jobs = installed.get();
    }

    private static DatabaseConfig.Builder pg() {
        return DatabaseConfig.builder(DatabaseType.POSTGRESQL).host("127.0.0.1").port(5432).database("test")
                .username("postgres").name("videos-pg").poolSize(8).acquireTimeout(Duration.ofSeconds(20))
                .connectTimeout(Duration.ofSeconds(5));
    }

    private static DatabaseConfig.Builder maria(String database) {
        return DatabaseConfig.builder(DatabaseType.MARIADB).host("127.0.0.1").port(3306).database(database)
                .username("root").name("videos-maria").poolSize(8).acquireTimeout(Duration.ofSeconds(20))
                .connectTimeout(Duration.ofSeconds(5));
    }

    String base() {
        return "http://127.0.0.1:" + service.port();
    }

    Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = client.send(request.timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Response call(String method, String path, @Nullable String key, @Nullable String json, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        if (key != null) {
            request.header("X-API-Key", key);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.setHeader(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    Response get(String path, @Nullable String key) {
        return call("GET", path, key, null);
    }

    /** A multipart form, built in memory (test bodies are small). */
    static final class Form {
        final String boundary = "weftBoundary" + ThreadLocalRandom.current().nextInt(1_000_000);
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();

        Form file(String name, String filename, byte[] content) {
            return part("Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename + "\"\r\n"
                    + "Content-Type: video/mp4\r\n", content);
        }

        Form field(String name, String value) {
            return part("Content-Disposition: form-data; name=\"" + name + "\"\r\n",
                    value.getBytes(StandardCharsets.UTF_8));
        }

        private Form part(String headers, byte[] content) {
            body.writeBytes(("--" + boundary + "\r\n" + headers + "\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(content);
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
            return this;
        }

        byte[] bytes() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(body.toByteArray());
            out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
            return out.toByteArray();
        }
    }

    Response upload(@Nullable String key, Form form, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + "/process-video"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(form.bytes()))
                .header("Content-Type", "multipart/form-data; boundary=" + form.boundary);
        if (key != null) {
            request.header("X-API-Key", key);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.setHeader(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    static String json(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates a user; returns its JSON with {@code api_key}. */
    JsonNode createUser(String name) {
        Response response = call("POST", "/users", ADMIN_KEY, json(Map.of("email", name + "@example.com",
                "username", name)));
        if (response.status() != 201) {
            throw new IllegalStateException("create user failed: " + response.status() + " " + response.text());
        }
        return response.json();
    }

    long videoCount() {
        return service.context().database().query("SELECT COUNT(*) FROM videos", Map.of()).one(Long.class);
    }

    long storedUploads() {
        try (var files = Files.list(dataDir.resolve("uploads"))) {
            return files.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return videos whose upload is still on disk (not yet processed) */
    long videoCountWithFiles() {
        return service.context().database().query("SELECT storage_path FROM videos", Map.of()).list(String.class)
                .stream().filter(path -> path != null && Files.exists(Path.of(path))).count();
    }

    private void dropSchema() {
        if (backend == Backend.POSTGRESQL) {
            try (Database admin = Database.create(pg().poolSize(1).build())) {
                admin.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        } else if (backend == Backend.MARIADB) {
            try (Database admin = Database.create(maria("test").poolSize(1).build())) {
                admin.execute("DROP DATABASE IF EXISTS " + schema);
            }
        }
    }

    @Override
    public void close() {
        try {
            service.close();
        } finally {
            dropSchema();
        }
    }
}
