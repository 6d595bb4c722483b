package dev.weft.db;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/**
 * One database behind a connection pool: queries with named parameters and timeouts, INSERT/UPDATE/DELETE with
 * RETURNING on every dialect, batches, bulk inserts, transactions with savepoints and retry, streaming, metrics
 * and pool status.
 *
 * {@snippet :
 * try (Database db = Database.create(DatabaseConfig.fromEnv())) {
 *     record User(long id, String email) {}
 *     Map<String, Object> created = db.insert("users", Map.of("email", "ada@example.com"))
 *             .returning("id", "email").execute().first().orElseThrow();
 *     List<User> users = db.query("SELECT id, email FROM users WHERE email = :email",
 *             Map.of("email", "ada@example.com"), User.class);
 * }
 * }
 *
 * <p>Thread-safe: share one instance per database in the application. Every operation blocks its calling
 * thread, which should be virtual; {@link #async()} offers the same operations as {@code CompletableFuture}s.
 * Callers queue for a connection in FIFO order and give up after the pool's acquire timeout with a
 * {@link PoolExhaustedException}.
 */
public interface Database extends SqlOperations, AutoCloseable {
    /**
     * Opens a database. Does not wait for the server: if it is down, calls fail with
     * {@link DatabaseUnavailableException} until it answers.
     *
     * @param config the config
     * @return the database; close it when done
     */
    static Database create(DatabaseConfig config) {
        return new PooledDatabase(Objects.requireNonNull(config, "config"), null);
    }

    /**
     * Opens a database that publishes {@code weft.db.query} timers and HikariCP's {@code hikaricp.*} meters to
     * {@code registry}.
     *
     * @param config the config
     * @param registry the meter registry
     * @return the database; close it when done
     */
    static Database create(DatabaseConfig config, MeterRegistry registry) {
        return new PooledDatabase(Objects.requireNonNull(config, "config"),
                Objects.requireNonNull(registry, "registry"));
    }

    /** @return the instance name, used in logs, metric tags and errors */
    String name();

    /** @return the database product */
    DatabaseType type();

    /** @return the config this database was opened with */
    DatabaseConfig config();

    /** @return the same operations, each as a {@code CompletableFuture} completed on a virtual thread */
    AsyncDatabase async();

    /** @return totals, percentiles, and the recent and slow operations since start */
    QueryMetrics queryMetrics();

    /** @return the connection pool's state now */
    PoolStatus poolStatus();

    /** Closes the pool and every connection. Idempotent. Operations after close fail. */
    @Override
    void close();
}
