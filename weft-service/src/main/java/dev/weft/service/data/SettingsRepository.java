package dev.weft.service.data;

import dev.weft.db.ConstraintViolationException;
import dev.weft.db.Database;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code settings} table: named values such as the admin key's hash.
 *
 * <p>Thread-safe; every method blocks on the database.
 */
public final class SettingsRepository {
    private final Database db;
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
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** @param name the setting @return its value */
    public Optional<String> get(String name) {
        return db.query("SELECT value FROM settings WHERE name = :name", Map.of("name", name)).optional(String.class);
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
            db.insert("settings", Map.of("name", name, "value", value, "updated_at", clock.instant()))
                    .execute();
            return true;
        } catch (ConstraintViolationException e) {
            return false;
        }
    }

    /** @param name the setting @param value the new value */
    public void put(String name, String value) {
        if (db.update("settings", Map.of("value", value, "updated_at", clock.instant()),
                Map.of("name", name)).execute().count() == 0 && !putIfAbsent(name, value)) {
            put(name, value);
        }
    }
}
