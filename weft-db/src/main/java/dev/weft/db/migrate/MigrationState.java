package dev.weft.db.migrate;

/** Where one migration stands in one database. */
public enum MigrationState {
    /** Known to the source, not applied to the database. */
    PENDING,
    /** Applied, and its SQL still matches the checksum recorded when it was applied. */
    APPLIED,
    /**
     * Its SQL failed part-way on a database whose DDL is not transactional (MariaDB/MySQL): part of it may have
     * taken effect. Blocks every change until {@link MigrationRunner#repair(String)} or
     * {@link MigrationRunner#markApplied(String)}.
     */
    FAILED,
    /** Applied, but the source's SQL now differs from what was applied. Blocks every change until repaired. */
    CHANGED,
    /** Recorded as applied, but the source has no migration with this version. Blocks every change. */
    MISSING;

    /** @return whether this state blocks migrate and rollback until someone resolves it */
    public boolean blocking() {
        return this == FAILED || this == CHANGED || this == MISSING;
    }
}
