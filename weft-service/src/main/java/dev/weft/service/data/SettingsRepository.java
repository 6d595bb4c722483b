package dev.weft.service.data;

import dev.weft.db.ConstraintViolationException;
import dev.weft.db.Database;
import dev.weft.db.repository.Repository;
import dev.weft.db.repository.RepositoryConfig;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code settings} table: named values such as the admin key's hash. Built on weft-db's {@link Repository}
 * over {@link Setting} rows keyed by {@code name}; each call is one statement on the database, so it needs no
 * transaction of the caller's.
 *
 * <p>Thread-safe; every method blocks on the database.
 */
public final class SettingsRepository {
    /**
     * One row of {@code settings}.
     *
     * @param name the setting, the primary key
     * @param value its value
     * @param updatedAt when it was last written ({@code TIMESTAMPTZ}, {@code DATETIME(6)} UTC, or ISO-8601 text on
     *     SQLite, as weft-db binds an {@link Instant})
     */
    private record Setting(String name, String value, Instant updatedAt) {
    }

    private final Database db;
    private final Repository<Setting, String> settings;
    private final Clock clock;

    /**
     * Reads and writes through {@code db}; weft-db gives SQLite writers their turns, so this repository needs no
     * writers' queue of its own.
     *
     * @param db the database
     * @param clock the clock
     */
    public SettingsRepository(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.settings = Repository.create(db,
                RepositoryConfig.of("settings", Setting.class, String.class).withIdField("name"));
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** @param name the setting @return its value */
    public Optional<String> get(String name) {
        return settings.getById(name).map(Setting::value);
    }

    /**
     * Stores a value unless one is already stored.
     *
     * @param name the setting
     * @param value the value
     * @return whether this call stored it (false: another process was first)
     */
    public boolean putIfAbsent(String name, String value) {
        try {
            settings.create(new Setting(name, value, clock.instant()));
            return true;
        } catch (ConstraintViolationException e) {
            return false;
        }
    }

    /**
     * @param name the setting
     * @param value the value it must still hold
     * @return whether it held it and was removed
     */
    public boolean removeIf(String name, String value) {
        return db.execute("DELETE FROM settings WHERE name = :name AND value = :value",
                Map.of("name", name, "value", value)) > 0;
    }

    /** @param name the setting @param value the new value */
    public void put(String name, String value) {
        // Update first, insert if there was no row; if another process inserted it in between, update again.
        if (settings.update(name, Map.of("value", value, "updated_at", clock.instant())).isEmpty()
                && !putIfAbsent(name, value)) {
            put(name, value);
        }
    }
}
