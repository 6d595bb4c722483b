package dev.weft.db.migrate;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where one migration stands in one database, as {@link MigrationRunner#status()} reports it.
 *
 * @param version the version
 * @param name the name (from the source, or as recorded when the source no longer has it)
 * @param state pending, applied, failed, changed or missing
 * @param appliedAt when it was applied (or failed); {@code null} while pending
 * @param checksum the checksum of the source's SQL; {@code null} when the source no longer has it
 * @param appliedChecksum the checksum recorded when it was applied; {@code null} while pending
 * @param error the error code and short message of a failed migration; {@code null} otherwise
 */
public record MigrationStatus(String version, String name, MigrationState state, @Nullable Instant appliedAt,
        @Nullable String checksum, @Nullable String appliedChecksum, @Nullable String error) {
    /** Checks the non-null components. */
    public MigrationStatus {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
    }
}
