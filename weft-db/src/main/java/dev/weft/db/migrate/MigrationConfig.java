package dev.weft.db.migrate;

import dev.weft.core.InvalidConfigException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How a {@link MigrationRunner} runs: the schema table it records migrations in, how long it waits for the
 * migration lock, the statement timeout of migration SQL, and the clock of {@code applied_at}.
 *
 * <p>Immutable and thread-safe; derive variants with the {@code with*} methods.
 *
 * @param table the schema table, created if missing: lower case letters, digits and {@code _}
 * @param lockTimeout the longest a runner waits for another runner's lock before failing with
 *     {@code migration_lock_timeout}; at least one second (MariaDB/MySQL count {@code GET_LOCK} in seconds)
 * @param statementTimeout the longest one migration statement may run; {@link Duration#ZERO} keeps the
 *     database's configured statement timeout
 * @param clock the clock of {@code applied_at}
 */
public record MigrationConfig(String table, Duration lockTimeout, Duration statementTimeout, Clock clock) {
    /** The default schema table. */
    public static final String DEFAULT_TABLE = "weft_schema_migrations";
    /** The default lock wait. */
    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofMinutes(2);
    /** The default statement timeout of migration SQL: the database's own. */
    public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ZERO;

    private static final Pattern TABLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    /**
     * Validates every component.
     *
     * @throws InvalidConfigException naming the setting and its bad value
     */
    public MigrationConfig {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(lockTimeout, "lockTimeout");
        Objects.requireNonNull(statementTimeout, "statementTimeout");
        Objects.requireNonNull(clock, "clock");
        if (!TABLE.matcher(table).matches()) {
            throw new InvalidConfigException("weft.db.migrations.table", Migration.printable(table),
                    "must be 1-63 lower-case letters, digits or '_', starting with a letter or '_'");
        }
        if (lockTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new InvalidConfigException("weft.db.migrations.lock-timeout", lockTimeout, "must be >= 1s");
        }
        if (statementTimeout.isNegative()) {
            throw new InvalidConfigException("weft.db.migrations.statement-timeout", statementTimeout,
                    "must be >= 0 (0 keeps the database's statement timeout)");
        }
    }

    /** @return the defaults: {@value #DEFAULT_TABLE}, a two-minute lock wait, the database's timeout, UTC */
    public static MigrationConfig defaults() {
        return new MigrationConfig(DEFAULT_TABLE, DEFAULT_LOCK_TIMEOUT, DEFAULT_STATEMENT_TIMEOUT, Clock.systemUTC());
    }

    /**
     * @param value the schema table
     * @return a copy with this table
     */
    public MigrationConfig withTable(String value) {
        return new MigrationConfig(value, lockTimeout, statementTimeout, clock);
    }

    /**
     * @param value the lock wait
     * @return a copy with this lock wait
     */
    public MigrationConfig withLockTimeout(Duration value) {
        return new MigrationConfig(table, value, statementTimeout, clock);
    }

    /**
     * @param value the statement timeout of migration SQL; zero for the database's own
     * @return a copy with this statement timeout
     */
    public MigrationConfig withStatementTimeout(Duration value) {
        return new MigrationConfig(table, lockTimeout, value, clock);
    }

    /**
     * @param value the clock of {@code applied_at}
     * @return a copy with this clock
     */
    public MigrationConfig withClock(Clock value) {
        return new MigrationConfig(table, lockTimeout, statementTimeout, value);
    }
}
