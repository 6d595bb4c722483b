package dev.weft.db.migrate;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What one {@code migrate} or {@code rollback} call did. Versions another runner applied at the same time are
 * not listed: each runner lists only its own work.
 *
 * @param applied the versions this call applied, in order
 * @param rolledBack the versions this call rolled back, in order (newest first)
 * @param current the newest applied version afterwards; {@code null} when none is applied
 * @param elapsed how long the call took, lock waits included
 */
public record MigrationResult(List<String> applied, List<String> rolledBack, @Nullable String current,
        Duration elapsed) {
    /** Copies the lists. */
    public MigrationResult {
        applied = List.copyOf(applied);
        rolledBack = List.copyOf(rolledBack);
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /** @return how many migrations this call applied or rolled back */
    public int changes() {
        return applied.size() + rolledBack.size();
    }
}
