package dev.weft.db;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The result of one health probe.
 *
 * @param healthy whether the probe succeeded in time
 * @param latency how long it took (the timeout, if it did not answer)
 * @param error the code of the failure ({@code timeout}, {@code pool_exhausted}, {@code database_unavailable}, ...)
 * @param details extra facts for an operator (pool state, the failing check), never secrets
 */
public record Health(boolean healthy, Duration latency, Optional<String> error, Map<String, Object> details) {
    /** Copies the details. */
    public Health {
        details = Map.copyOf(details);
    }

    /** @return {@code "up"} or {@code "down"} */
    public String status() {
        return healthy ? "up" : "down";
    }
}
