package dev.weft.db.internal;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** What MariaDB and MySQL share: backtick quoting, vendor error codes, UTC date-times. */
abstract class MySqlFamilyDialect extends Dialect {
    @Override
    protected char quoteChar() {
        return '`';
    }

    @Override
    public boolean backslashEscapes() {
        return true;
    }

    @Override
    public void boundProbe(java.util.Properties properties, java.time.Duration bound) {
        properties.setProperty("socketTimeout", Long.toString(Math.max(1, bound.toMillis())));
    }

    @Override
    public SqlFault classify(SQLException error) {
        int code = vendorCode(error);
        switch (code) {
            case 1062, 1586 -> {
                return SqlFault.UNIQUE;
            }
            case 1216, 1217, 1451, 1452 -> {
                return SqlFault.FOREIGN_KEY;
            }
            case 1213, 1205 -> {
                return SqlFault.SERIALIZATION;
            }
            case 1317, 1969, 3024 -> {
                return SqlFault.CANCELLED;
            }
            case 1792, 1836 -> { // a read-only transaction, read-only mode
                return SqlFault.READ_ONLY;
            }
            case 1290 -> { // "running with the --read-only option" (also --secure-file-priv and others: not those)
                String message = String.valueOf(error.getMessage());
                return message.contains("read-only") || message.contains("read_only") ? SqlFault.READ_ONLY
                        : classifyStandard(sqlState(error));
            }
            case 1153 -> { // ER_NET_PACKET_TOO_LARGE, sent with SQLState 08S01 before the server hangs up
                return SqlFault.TOO_LARGE;
            }
            case 1040, 1053, 1927, 2002, 2003, 2006, 2013, 1152, 1158, 1159, 1160, 1161 -> {
                return SqlFault.CONNECTION;
            }
            case 1048, 1364, 1366, 1406, 1264, 1265, 1292, 1300, 3819, 4025 -> {
                return SqlFault.INVALID_VALUE;
            }
            default -> {
                String state = sqlState(error);
                if (state.equals("70100")) {
                    return SqlFault.CANCELLED;
                }
                return classifyStandard(state);
            }
        }
    }

    /** {@inheritDoc} A deadlock (1213): InnoDB rolls back the whole transaction of the statement it chose. */
    @Override
    public boolean rolledBackTransaction(SQLException error) {
        return vendorCode(error) == 1213;
    }

    private static int vendorCode(SQLException error) {
        for (SQLException e = error; e != null; e = e.getNextException()) {
            if (e.getErrorCode() != 0) {
                return e.getErrorCode();
            }
        }
        return error.getCause() instanceof SQLException inner ? inner.getErrorCode() : 0;
    }

    @Override
    public String tableCountQuery() {
        return "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE()";
    }

    @Override
    public String versionQuery() {
        return "SELECT VERSION()";
    }

    @Override
    protected void bindTemporal(PreparedStatement statement, int index, Object value) throws SQLException {
        // DATETIME has no zone: weft stores instants as UTC wall-clock time.
        if (value instanceof Instant instant) {
            statement.setObject(index, LocalDateTime.ofInstant(instant, ZoneOffset.UTC));
        } else if (value instanceof OffsetDateTime offset) {
            statement.setObject(index, offset.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime());
        } else {
            statement.setObject(index, value);
        }
    }
}
