package dev.weft.db;

import dev.weft.core.WeftException;
import dev.weft.db.internal.ConnectionPool;
import dev.weft.db.internal.Dialect;
import dev.weft.db.internal.RowMappers;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code db.health(timeout)} and {@code db.info()}: a {@code SELECT 1} through the pool bounded by a timeout, and the
 * server's version and table count. Both run through the {@link StatementRunner} on leased connections.
 * Thread-safe.
 */
final class HealthQueries {
    private final DatabaseConfig config;
    private final Dialect dialect;
    private final ConnectionPool pool;
    private final StatementRunner runner;
    private final ConnectionLease lease;

    HealthQueries(DatabaseConfig config, Dialect dialect, ConnectionPool pool, StatementRunner runner,
            ConnectionLease lease) {
        this.config = config;
        this.dialect = dialect;
        this.pool = pool;
        this.runner = runner;
        this.lease = lease;
    }

    /** Runs SELECT 1 on a virtual thread and waits at most {@code timeout}, so a stuck pool cannot stall it. */
    Health health(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        long start = System.nanoTime();
        CompletableFuture<Integer> probe = new CompletableFuture<>();
        Thread prober = Thread.ofVirtual().name("weft-db-" + config.name() + "-health").start(() -> {
            try {
                StatementSpec spec = runner.spec("SELECT 1", new LinkedHashMap<>(), timeout, 0, false);
                probe.complete(runner.list(lease, spec, RowMappers.of(Integer.class)).getFirst());
            } catch (Throwable e) {
                probe.completeExceptionally(e);
            }
        });
        Map<String, Object> details = new LinkedHashMap<>();
        PoolStatus status = pool.status();
        details.put("checked_out", status.checkedOut());
        details.put("waiting", status.waiting());
        try {
            probe.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return new Health(true, since(start), Optional.empty(), details);
        } catch (TimeoutException e) {
            // Do not leave it waiting in the pool: a waiter keeps HikariCP's creator retrying a dead server with a
            // growing backoff, which delays the reconnect once the server is back (FailoverCluster's stand-by).
            prober.interrupt();
            return new Health(false, timeout, Optional.of("timeout"), details);
        } catch (ExecutionException e) {
            String code = e.getCause() instanceof WeftException weft ? weft.code() : "internal_error";
            return new Health(false, since(start), Optional.of(code), details);
        } catch (InterruptedException e) {
            prober.interrupt();
            Thread.currentThread().interrupt();
            return new Health(false, since(start), Optional.of("interrupted"), details);
        }
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    DatabaseInfo info() {
        String version = runner.list(lease, runner.spec(dialect.versionQuery(), new LinkedHashMap<>(), null, 0, true),
                RowMappers.of(String.class)).getFirst();
        long tables = runner.list(lease, runner.spec(dialect.tableCountQuery(), new LinkedHashMap<>(), null, 0, true),
                RowMappers.of(Long.class)).getFirst();
        return new DatabaseInfo(config.name(), config.type().name().toLowerCase(Locale.ROOT), version, tables,
                config.redactedUrl());
    }
}
