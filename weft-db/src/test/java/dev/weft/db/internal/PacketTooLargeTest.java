package dev.weft.db.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.core.ErrorKind;
import dev.weft.db.CommitOutcomeUnknownException;
import dev.weft.db.DatabaseException;
import dev.weft.db.DatabaseType;
import java.sql.SQLNonTransientConnectionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A statement larger than MariaDB's or MySQL's {@code max_allowed_packet} is answered with error 1153 under SQLState
 * 08S01 before the server hangs up: a value the caller sent was too large and nothing ran, not a lost connection whose
 * write may have committed (it was {@link CommitOutcomeUnknownException} for an insert). Whether a test's client gets
 * to read that error before the reset depends on socket buffers, so the driver's exception is built here as the
 * drivers build it.
 */
class PacketTooLargeTest {
    @ParameterizedTest
    @EnumSource(value = DatabaseType.class, names = {"MARIADB", "MYSQL"})
    void error1153IsAValueTooLargeAndDropsTheConnection(DatabaseType type) {
        SQLNonTransientConnectionException driver = new SQLNonTransientConnectionException(
                "(conn=7) Got a packet bigger than 'max_allowed_packet' bytes", "08S01", 1153);
        Dialect dialect = Dialect.of(type);

        SqlFault fault = dialect.classify(driver);
        DatabaseException translated = SqlErrors.translate(driver, dialect, "primary", "insert into notes", null);

        assertThat(fault).isEqualTo(SqlFault.TOO_LARGE);
        assertThat(SqlErrors.poisonsConnection(fault)).isTrue();
        assertThat(translated).isNotInstanceOf(CommitOutcomeUnknownException.class);
        assertThat(translated.kind()).isEqualTo(ErrorKind.INVALID_INPUT);
        assertThat(translated.code()).isEqualTo("value_too_large");
        assertThat(translated.retryable()).isFalse();
        assertThat(translated.getMessage()).contains("max_allowed_packet").contains("nothing was run");
    }
}
