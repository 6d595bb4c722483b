package dev.weft.db.migrate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/** The state of each migration, from the source's migrations and the schema table's rows. */
final class MigrationStatuses {
    private MigrationStatuses() {
    }

    /**
     * @return one status per version in either, in version order: pending, applied, changed (checksum differs),
     *     failed, or missing (in the table, not in the source)
     */
    static List<MigrationStatus> of(List<Migration> migrations, Map<String, SchemaTable.Row> rows) {
        TreeMap<String, MigrationStatus> all = new TreeMap<>(Versions.ORDER);
        Map<String, SchemaTable.Row> unmatched = new LinkedHashMap<>();
        rows.values().forEach(row -> unmatched.put(row.version(), row));
        for (Migration migration : migrations) {
            SchemaTable.Row row = find(rows, migration.version());
            if (row != null) {
                unmatched.remove(row.version());
            }
            MigrationState state;
            if (row == null) {
                state = MigrationState.PENDING;
            } else if (SchemaTable.STATE_FAILED.equals(row.state())) {
                state = MigrationState.FAILED;
            } else if (!row.checksum().equals(migration.checksum())) {
                state = MigrationState.CHANGED;
            } else {
                state = MigrationState.APPLIED;
            }
            all.put(migration.version(), new MigrationStatus(migration.version(), migration.name(), state,
                    row == null ? null : row.appliedAt(), migration.checksum(), row == null ? null : row.checksum(),
                    row == null ? null : error(row)));
        }
        for (SchemaTable.Row row : unmatched.values()) {
            all.put(row.version(), new MigrationStatus(row.version(), row.name(), MigrationState.MISSING,
                    row.appliedAt(), null, row.checksum(), error(row)));
        }
        return List.copyOf(all.values());
    }

    private static @Nullable String error(SchemaTable.Row row) {
        if (row.errorCode() == null) {
            return null;
        }
        return row.errorMessage() == null ? row.errorCode() : row.errorCode() + ": " + row.errorMessage();
    }

    /** @return the row whose version equals {@code version} as versions compare ({@code 1} = {@code 01}) */
    static SchemaTable.@Nullable Row find(Map<String, SchemaTable.Row> rows, String version) {
        SchemaTable.Row exact = rows.get(version);
        if (exact != null) {
            return exact;
        }
        for (SchemaTable.Row row : rows.values()) {
            if (Versions.compare(row.version(), version) == 0) {
                return row;
            }
        }
        return null;
    }
}
