package dev.weft.service.provider;

import java.util.Map;

/**
 * A provider's health as {@code GET /health} shows it.
 *
 * <p>Immutable and thread-safe.
 *
 * @param healthy whether the provider answers
 * @param details what the check saw (JSON-serializable values, never a secret)
 */
public record ProviderHealth(boolean healthy, Map<String, Object> details) {
    /** Copies the details. */
    public ProviderHealth {
        details = Map.copyOf(details);
    }
}
