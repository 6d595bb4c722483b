package dev.weft.db;

import dev.weft.db.internal.NamedSql;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A statement ready to run: parsed, its parameters checked, its timeout resolved. Built by
 * {@link StatementRunner#spec}.
 *
 * @param sql the parsed SQL
 * @param params placeholder name to value
 * @param timeout the watchdog's timeout, ZERO for none
 * @param sessionTimeout a session statement timeout to set around this statement, when it must outlive the
 *     server-side default (or have none), else {@code null}
 * @param fetchSize rows per round trip, 0 for the driver's default
 * @param retry whether transient faults are retried
 */
record StatementSpec(NamedSql sql, Map<String, @Nullable Object> params, Duration timeout,
        @Nullable Duration sessionTimeout, int fetchSize, boolean retry) {
}
