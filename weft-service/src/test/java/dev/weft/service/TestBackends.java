package dev.weft.service;

import dev.weft.db.Database;
import dev.weft.db.DatabaseConfig;
import dev.weft.db.DatabaseType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The databases a service test runs on, each isolated: SQLite in a temporary directory, a PostgreSQL schema of its
 * own, a MariaDB database of its own. {@link Isolated#close()} drops what was created. A server that does not answer
 * fails the test, never skips it.
 */
public enum TestBackends {
    SQLITE, POSTGRESQL, MARIADB;

    /**
     * A database set apart for one test class.
     *
     * @param backend the backend
     * @param config how to connect
     * @param dataDir a temporary data directory (the SQLite file is in it)
     * @param name the schema or database name on a server
     */
    public record Isolated(TestBackends backend, DatabaseConfig config, Path dataDir, String name) implements AutoCloseable {
        @Override
        public void close() {
            switch (backend) {
                case POSTGRESQL -> admin(POSTGRESQL, db -> db.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE"));
                case MARIADB -> admin(MARIADB, db -> db.execute("DROP DATABASE IF EXISTS " + name));
                case SQLITE -> {
                }
            }
        }
    }

    /** @return a fresh, empty database for this backend */
    public Isolated isolate() {
        String name = "weft_t_" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
        Path dataDir;
        try {
            dataDir = Files.createTempDirectory("weft-service-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DatabaseConfig config = switch (this) {
            case SQLITE -> DatabaseConfig.builder(DatabaseType.SQLITE).database(dataDir.resolve("weft.db").toString())
                    .name("test-sqlite").poolSize(4).acquireTimeout(Duration.ofSeconds(20)).build();
            case POSTGRESQL -> {
                admin(this, db -> db.execute("CREATE SCHEMA " + name));
                yield base(this).property("currentSchema", name).build();
            }
            case MARIADB -> {
                admin(this, db -> db.execute("CREATE DATABASE " + name
                        + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"));
                yield base(this).database(name).build();
            }
        };
        return new Isolated(this, config, dataDir, name);
    }

    private static DatabaseConfig.Builder base(TestBackends backend) {
        DatabaseConfig.Builder builder = switch (backend) {
            case POSTGRESQL -> DatabaseConfig.builder(DatabaseType.POSTGRESQL).host("127.0.0.1").port(5432)
                    .database("test").username("postgres");
            case MARIADB -> DatabaseConfig.builder(DatabaseType.MARIADB).host("127.0.0.1").port(3306)
                    .database("test").username("root");
            case SQLITE -> throw new IllegalStateException("no server");
        };
        return builder.name("test-" + backend.name().toLowerCase(Locale.ROOT)).poolSize(8)
                .acquireTimeout(Duration.ofSeconds(20)).connectTimeout(Duration.ofSeconds(5));
    }

    private static void admin(TestBackends backend, java.util.function.Consumer<Database> work) {
        try (Database db = Database.create(base(backend).poolSize(1).build())) {
            work.accept(db);
        }
    }
}
