package dev.weft.service;

import dev.weft.db.Health;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The named checks {@code GET /health} runs, each shown as one MicroProfile Health check ({@code name}, {@code status},
 * its details in {@code data}): the service registers the database and cache tiers; other modules add
 * theirs (provider, job queue) with {@link #register(String, Supplier)}.
 *
 * <p>Thread-safe.
 */
public final class HealthChecks {
    /**
     * One check's result.
     *
     * @param healthy whether the dependency works
     * @param details what the check saw; JSON-serializable values
     */
    public record Result(boolean healthy, Map<String, Object> details) {
        /** Copies the details. */
        public Result {
            details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
        }

        /** @return {@link Health.Status#UP} or {@link Health.Status#DOWN}; {@code GET /health} writes "UP" or "DOWN" */
        public Health.Status status() {
            return Health.Status.of(healthy);
        }
    }

    private final Map<String, Supplier<Result>> checks = new ConcurrentHashMap<>();

    HealthChecks() {
    }

    /**
     * @param name the check's name, e.g. {@code provider}
     * @param check runs the check; should answer within a second or two and never throw
     */
    public void register(String name, Supplier<Result> check) {
        checks.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(check, "check"));
    }

    /** @return every check's result by name, in name order; a check that throws counts as down */
    public Map<String, Result> runAll() {
        Map<String, Result> results = new java.util.TreeMap<>();
        checks.forEach((name, check) -> {
            Result result;
            try {
                result = check.get();
            } catch (RuntimeException e) {
                result = new Result(false, Map.of("error", e.getClass().getSimpleName()));
            }
            results.put(name, result);
        });
        return results;
    }
}
