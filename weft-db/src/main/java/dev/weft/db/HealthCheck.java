package dev.weft.db;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * A named check an HTTP service exposes as a probe, as the guides' {@code check_liveness} and
 * {@code check_readiness}. Thread-safe; {@link #check()} never throws and is bounded in time.
 */
@FunctionalInterface
public interface HealthCheck {
    /** @return the result now */
    Health check();

    /**
     * Liveness: the database answers a trivial query within the bound.
     *
     * @param database the database (or cluster)
     * @param timeout the bound
     * @return the check
     */
    static HealthCheck liveness(Database database, Duration timeout) {
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(timeout, "timeout");
        return () -> database.health(timeout);
    }

    /**
     * Readiness: the database is healthy and its schema is current, e.g.
     * {@code HealthCheck.readiness(db, timeout, runner::isCurrent)} with a migration runner. A schema check that
     * throws counts as not ready.
     *
     * @param database the database (or cluster)
     * @param timeout the bound of the database probe
     * @param schemaCurrent whether no migration is pending
     * @return the check
     */
    static HealthCheck readiness(Database database, Duration timeout, BooleanSupplier schemaCurrent) {
        Objects.requireNonNull(schemaCurrent, "schemaCurrent");
        HealthCheck live = liveness(database, timeout);
        return () -> {
            Health health = live.check();
            if (!health.healthy()) {
                return health;
            }
            Map<String, Object> details = new LinkedHashMap<>(health.details());
            try {
                // the schema check reads migration files and the schema table: bound it like the probe
                java.util.concurrent.CompletableFuture<Boolean> check = new java.util.concurrent.CompletableFuture<>();
                Thread.ofVirtual().name("weft-db-readiness").start(() -> {
                    try {
                        check.complete(schemaCurrent.getAsBoolean());
                    } catch (Throwable e) {
                        check.completeExceptionally(e);
                    }
                });
                boolean current;
                try {
                    current = check.get(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    details.put("migrations", "unknown");
                    return new Health(false, timeout, Optional.of("timeout"), details);
                } catch (java.util.concurrent.ExecutionException e) {
                    throw e.getCause() instanceof RuntimeException runtime ? runtime
                            : new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    details.put("migrations", "unknown");
                    return new Health(false, timeout, Optional.of("interrupted"), details);
                }
                details.put("migrations", current ? "current" : "pending");
                return new Health(current, health.latency(),
                        current ? Optional.empty() : Optional.of("migrations_pending"), details);
            } catch (RuntimeException e) {
                details.put("migrations", "unknown");
                String code = e instanceof dev.weft.core.WeftException weft ? weft.code() : "internal_error";
                return new Health(false, health.latency(), Optional.of(code), details);
            }
        };
    }
}
