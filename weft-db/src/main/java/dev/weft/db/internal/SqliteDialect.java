package dev.weft.db.internal;

import dev.weft.db.DatabaseConfig;
import dev.weft.db.DatabaseType;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAccessor;
import java.util.Properties;

/**
 * SQLite through sqlite-jdbc: RETURNING since 3.35, WAL so readers do not block the writer, a busy timeout, and
 * {@code BEGIN IMMEDIATE} so two writers queue on the busy timeout instead of failing on a lock upgrade.
 * Date-times are stored as ISO-8601 text.
 */
final class SqliteDialect extends Dialect {
    static final SqliteDialect INSTANCE = new SqliteDialect();

    /** {@inheritDoc} The infinities are REAL values; NaN would be stored as NULL. */
    @Override
    public boolean stores(double number) {
        return !Double.isNaN(number);
    }

    @Override
    public DatabaseType type() {
        return DatabaseType.SQLITE;
    }

    @Override
    public String jdbcUrl(DatabaseConfig config) {
        return "jdbc:sqlite:" + config.database();
    }

    @Override
    public void beforeFirstConnection() {
        SqliteNativeLibrary.useCachedCopy();
    }

    @Override
    protected void addDefaults(Properties properties, DatabaseConfig config) {
        properties.setProperty("journal_mode", "WAL");
        properties.setProperty("synchronous", "NORMAL");
        properties.setProperty("busy_timeout", Long.toString(Math.max(config.pool().acquireTimeout().toMillis(), 5000)));
        properties.setProperty("foreign_keys", "true");
        properties.setProperty("transaction_mode", "IMMEDIATE");
        properties.setProperty("date_class", "TEXT");
    }

    @Override
    public void boundProbe(Properties properties, java.time.Duration bound) {
        // a probe waits this long for a lock another process holds, not the pool's busy timeout
        properties.setProperty("busy_timeout", Long.toString(Math.max(1, bound.toMillis())));
    }

    @Override
    protected char quoteChar() {
        return '"';
    }

    @Override
    public boolean nativeReturning(WriteKind kind) {
        return true;
    }

    @Override
    public SqlFault classify(SQLException error) {
        String message = String.valueOf(error.getMessage());
        if (message.contains("SQLITE_CONSTRAINT_UNIQUE") || message.contains("SQLITE_CONSTRAINT_PRIMARYKEY")) {
            return SqlFault.UNIQUE;
        }
        if (message.contains("SQLITE_CONSTRAINT_FOREIGNKEY")) {
            return SqlFault.FOREIGN_KEY;
        }
        if (message.contains("SQLITE_CONSTRAINT_NOTNULL") || message.contains("SQLITE_CONSTRAINT_CHECK")
                || message.contains("SQLITE_TOOBIG") || message.contains("SQLITE_MISMATCH")) {
            return SqlFault.INVALID_VALUE;
        }
        if (message.contains("SQLITE_INTERRUPT")) {
            return SqlFault.CANCELLED;
        }
        if (message.contains("SQLITE_BUSY") || message.contains("SQLITE_LOCKED")) {
            return SqlFault.SERIALIZATION;
        }
        if (message.contains("SQLITE_CANTOPEN") || message.contains("SQLITE_IOERR")) {
            return SqlFault.CONNECTION;
        }
        return SqlFault.OTHER;
    }

    @Override
    public String tableCountQuery() {
        return "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
    }

    @Override
    public String versionQuery() {
        return "SELECT sqlite_version()";
    }

    /**
     * An instant as UTC text with all nine fraction digits, so that SQLite, which compares text, orders and compares
     * instants as time does. {@code Instant.toString()} writes 0, 3, 6 or 9 digits, and {@code 12:00:00.100Z} then
     * sorted after {@code 12:00:00.100001Z}, {@code 12:00:00Z} after {@code 12:00:00.5Z}.
     */
    private static final DateTimeFormatter INSTANT_TEXT = DateTimeFormatter
            .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);
    /** The instants {@link #INSTANT_TEXT} writes in its fixed width: years 0000 to 9999. */
    private static final Instant FIRST_FIXED = Instant.parse("0000-01-01T00:00:00Z");
    private static final Instant END_FIXED = Instant.parse("+10000-01-01T00:00:00Z");

    @Override
    protected void bindTemporal(PreparedStatement statement, int index, Object value) throws SQLException {
        Instant instant = switch (value) {
            case Instant exact -> exact;
            case OffsetDateTime time -> time.toInstant();
            case ZonedDateTime time -> time.toInstant();
            default -> null;
        };
        if (instant != null && !instant.isBefore(FIRST_FIXED) && instant.isBefore(END_FIXED)) {
            statement.setString(index, INSTANT_TEXT.format(instant));
        } else {
            // a local date or time, or a year beyond 9999 or before 0 (a sign, no fixed width): its own text
            statement.setString(index, ((TemporalAccessor) value).toString());
        }
    }
}
