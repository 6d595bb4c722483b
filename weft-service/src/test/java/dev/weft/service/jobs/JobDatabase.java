package dev.weft.service.jobs;

import dev.weft.db.Database;
import dev.weft.db.DatabaseConfig;
import dev.weft.db.DatabaseType;
import dev.weft.db.migrate.Migrations;
import dev.weft.service.data.ServiceMigrations;
import dev.weft.service.data.UsageRepository;
import dev.weft.service.data.VideoRepository;
import dev.weft.service.data.VideoRow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The service schema (base migrations plus jobs) in a place of the test's own: a fresh PostgreSQL schema, a fresh
 * MariaDB database, or a SQLite file in a temporary directory; dropped by {@link #close()}. A server that does not
 * answer fails the test.
 */
final class JobDatabase implements AutoCloseable {
    enum Target { SQLITE, POSTGRESQL, MARIADB }

    final Target target;
    final Database db;
    final VideoRepository videos;
    final UsageRepository usage;
    final Path dir;
    private final String namespace;
    private final Clock clock = Clock.systemUTC();

    private JobDatabase(Target target, Database db, String namespace, Path dir) {
        this.target = target;
        this.db = db;
        this.namespace = namespace;
        this.dir = dir;
        this.videos = new VideoRepository(db, clock);
        this.usage = new UsageRepository(db, clock);
    }

    static JobDatabase open(Target target) {
        String namespace = "weft_s2_" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
        Path dir;
        try {
            dir = Files.createTempDirectory("weft-jobs-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DatabaseConfig config = switch (target) {
            case SQLITE -> DatabaseConfig.builder(DatabaseType.SQLITE).database(dir.resolve("jobs.db").toString())
                    .poolSize(4).build();
            case POSTGRESQL -> {
                try (Database admin = Database.create(pg().build())) {
                    admin.execute("CREATE SCHEMA " + namespace);
                }
                yield pg().property("currentSchema", namespace).build();
            }
            case MARIADB -> {
                try (Database admin = Database.create(maria("test").build())) {
                    admin.execute("CREATE DATABASE " + namespace + " CHARACTER SET utf8mb4");
                }
                yield maria(namespace).build();
            }
        };
        Database db = Database.create(config);
        Migrations.runner(db, ServiceMigrations.source(db.type(), List.of(JobMigrations::forDialect))).migrate();
        return new JobDatabase(target, db, namespace, dir);
    }

    private static DatabaseConfig.Builder pg() {
        return DatabaseConfig.builder(DatabaseType.POSTGRESQL).host("127.0.0.1").port(5432).database("test")
                .username("postgres").name("jobs-pg").poolSize(6).acquireTimeout(Duration.ofSeconds(10))
                .connectTimeout(Duration.ofSeconds(5));
    }

    private static DatabaseConfig.Builder maria(String database) {
        return DatabaseConfig.builder(DatabaseType.MARIADB).host("127.0.0.1").port(3306).database(database)
                .username("root").name("jobs-maria").poolSize(6).acquireTimeout(Duration.ofSeconds(10))
                .connectTimeout(Duration.ofSeconds(5));
    }

    /** @return a new user's id */
    long user() {
        String name = "u" + UUID.randomUUID().toString().substring(0, 12);
        Instant now = clock.instant();
        db.insert("users", Map.of("email", name + "@example.com", "username", name, "credits", 0,
                "created_at", now, "updated_at", now)).execute();
        return db.query("SELECT id FROM users WHERE username = :u", Map.of("u", name)).one(Long.class);
    }

    /** Stores a small upload and inserts its video and job in one transaction. @return the video id */
    String submit(JobEngine engine, long userId, String options) {
        String videoId = "vid_" + UUID.randomUUID().toString().replace("-", "");
        Path file = dir.resolve(videoId + ".bin");
        byte[] bytes = ("video bytes of " + videoId).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        db.inTransaction(tx -> {
            String jobId = JobEngine.newJobId();
            videos.insert(tx, videoId, userId, "clip.mp4", bytes.length, options, file.toString(), jobId);
            new JobStore(db, videos, usage, clock).insert(tx, jobId, videoId, userId, null, null);
            return jobId;
        });
        engine.wakeUp();
        return videoId;
    }

    VideoRow video(String videoId) {
        return videos.getByVideoId(videoId).orElseThrow();
    }

    JobRow job(String videoId) {
        return db.query("SELECT " + JobStore.COLUMNS + " FROM jobs WHERE video_id = :v", Map.of("v", videoId))
                .one(JobStore.Stored.class).row();
    }

    long usageRows(String videoId) {
        return db.query("SELECT COUNT(*) FROM model_usage WHERE video_id = :v", Map.of("v", videoId)).one(Long.class);
    }

    @Override
    public void close() {
        db.close();
        switch (target) {
            case POSTGRESQL -> {
                try (Database admin = Database.create(pg().build())) {
                    admin.execute("DROP SCHEMA " + namespace + " CASCADE");
                }
            }
            case MARIADB -> {
                try (Database admin = Database.create(maria("test").build())) {
                    admin.execute("DROP DATABASE " + namespace);
                }
            }
            case SQLITE -> {
            }
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // temp files: best effort
        }
    }

    @Override
    public String toString() {
        return target.name().toLowerCase(Locale.ROOT);
    }
}
