package dev.weft.db.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.weft.core.InvalidInputException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamedSqlTest {
    private static NamedSql parse(String sql) {
        return NamedSql.parse(sql, false);
    }

    @Nested
    class Placeholders {
        @Test
        void replacesEachNamedPlaceholderWithAQuestionMark() {
            NamedSql sql = parse("SELECT * FROM users WHERE email = :email AND status = :status");

            assertThat(sql.jdbcSql()).isEqualTo("SELECT * FROM users WHERE email = ? AND status = ?");
            assertThat(sql.parameters()).containsExactly("email", "status");
            assertThat(sql.names()).containsExactly("email", "status");
            assertThat(sql.sql()).isEqualTo("SELECT * FROM users WHERE email = :email AND status = :status");
        }

        @Test
        void listsARepeatedNameOncePerPlaceholderAndOnceAmongTheNames() {
            NamedSql sql = parse("SELECT * FROM t WHERE a = :v OR b = :v OR c = :w OR d = :v");

            assertThat(sql.jdbcSql()).isEqualTo("SELECT * FROM t WHERE a = ? OR b = ? OR c = ? OR d = ?");
            assertThat(sql.parameters()).containsExactly("v", "v", "w", "v");
            assertThat(sql.names()).containsExactly("v", "w");
        }

        @Test
        void readsNamesWithUnderscoresAndDigits() {
            NamedSql sql = parse("VALUES (:_a, :user_id2, :B)");

            assertThat(sql.jdbcSql()).isEqualTo("VALUES (?, ?, ?)");
            assertThat(sql.parameters()).containsExactly("_a", "user_id2", "B");
        }

        @Test
        void endsANameAtTheFirstCharacterThatCannotBePartOfIt() {
            NamedSql sql = parse("SELECT :a||:b,:c)");

            assertThat(sql.jdbcSql()).isEqualTo("SELECT ?||?,?)");
            assertThat(sql.parameters()).containsExactly("a", "b", "c");
        }

        @Test
        void findsNoParametersInPlainSql() {
            NamedSql sql = parse("SELECT 1");

            assertThat(sql.jdbcSql()).isEqualTo("SELECT 1");
            assertThat(sql.parameters()).isEmpty();
            assertThat(sql.names()).isEmpty();
        }

        @Test
        void leavesAColonNotFollowedByANameAlone() {
            NamedSql sql = parse("SELECT arr[1:2], ':' , a : b, x :1, :");

            assertThat(sql.jdbcSql()).isEqualTo("SELECT arr[1:2], ':' , a : b, x :1, :");
            assertThat(sql.parameters()).isEmpty();
        }

        @Test
        void leavesMysqlAssignmentAlone() {
            NamedSql sql = NamedSql.parse("SELECT @n := @n + 1 FROM t WHERE id = :id", true);

            assertThat(sql.jdbcSql()).isEqualTo("SELECT @n := @n + 1 FROM t WHERE id = ?");
            assertThat(sql.parameters()).containsExactly("id");
        }

        @Test
        void cachesParsedStatements() {
            String text = "SELECT * FROM cache_probe WHERE id = :id";

            assertThat(NamedSql.parse(text, false)).isSameAs(NamedSql.parse(text, false));
        }

        @Test
        void exposesUnmodifiableParameterLists() {
            NamedSql sql = parse("SELECT :a");

            assertThat(sql.parameters()).isUnmodifiable();
            assertThat(sql.names()).isUnmodifiable();
        }
    }

    @Nested
    class Casts {
        @Test
        void leavesADoubleColonCastAlone() {
            NamedSql sql = parse("SELECT created_at::date FROM t WHERE id = :id");

            assertThat(sql.jdbcSql()).isEqualTo("SELECT created_at::date FROM t WHERE id = ?");
            assertThat(sql.parameters()).containsExactly("id");
        }

        @Test
        void castsAParameter() {
            NamedSql sql = parse("SELECT * FROM t WHERE id = :id::uuid AND n = :n::int");

            assertThat(sql.jdbcSql()).isEqualTo("SELECT * FROM t WHERE id = ?::uuid AND n = ?::int");
            assertThat(sql.parameters()).containsExactly("id", "n");
        }
    }

    @Nested
    class StringLiterals {
        @Test
        void skipsAColonInsideAString() {
            NamedSql sql = parse("SELECT ':not_a_param', 'at 10:30' FROM t WHERE id = :id");

            assertThat(sql.jdbcSql()).isEqualTo("SELECT ':not_a_param', 'at 10:30' FROM t WHERE id = ?");
            assertThat(sql.parameters()).containsExactly("id");
        }

        @Test
        void skipsADoubledQuoteInsideAString() {
            NamedSql sql = parse("SELECT 'it''s :x', '''', :y");

            assertThat(sql.jdbcSql()).isEqualTo("SELECT 'it''s :x', '''', ?");
            assertThat(sql.parameters()).containsExactly("y");
        }

        @Test
        void skipsABackslashEscapedQuoteWhenBackslashesEscape() {
            NamedSql sql = NamedSql.parse("SELECT 'it\\'s :x', 'C:\\\\', :y", true);

            assertThat(sql.jdbcSql()).isEqualTo("SELECT 'it\\'s :x', 'C:\\\\', ?");
            assertThat(sql.parameters()).containsExactly("y");
        }

        @Test
        void endsAStringAtAQuoteAfterABackslashWhenBackslashesDoNotEscape() {
            // standard SQL (PostgreSQL, SQLite): 'C:\' is the three characters C, colon, backslash
            NamedSql sql = NamedSql.parse("SELECT 'C:\\' || :x", false);

            assertThat(sql.jdbcSql()).isEqualTo("SELECT 'C:\\' || ?");
            assertThat(sql.parameters()).containsExactly("x");
        }

        @Test
        void keepsABackslashBeforeAQuoteInsideTheStringWhenBackslashesEscape() {
            // MySQL/MariaDB: 'C:\' || :x never closes: the quote after the backslash is escaped
            InvalidInputException error = catchThrowableOfType(InvalidInputException.class,
                    () -> NamedSql.parse("SELECT 'C:\\' || :x", true));

            assertThat(error).isNotNull();
            assertThat(error.getMessage()).contains("unterminated string literal");
        }

        @Test
        void skipsAQuestionMarkInsideAString() {
            NamedSql sql = parse("SELECT 'why?' WHERE x = :x");

            assertThat(sql.jdbcSql()).isEqualTo("SELECT 'why?' WHERE x = ?");
        }

        /**
         * PostgreSQL's escape strings ({@code E'...'}) honour backslash escapes even with
         * standard_conforming_strings on: {@code E'it\'s :x'} is one literal, so {@code :x} is not a parameter.
         */
        @Test
        void skipsABackslashEscapedQuoteInAPostgresEscapeString() {
            NamedSql sql = NamedSql.parse("SELECT E'it\\'s :x', :y", false);

            assertThat(sql.jdbcSql()).isEqualTo("SELECT E'it\\'s :x', ?");
            assertThat(sql.parameters()).containsExactly("y");
        }

        /**
         * In MySQL and MariaDB (without ANSI_QUOTES, the default) double quotes delimit a string literal, in which
         * a backslash escapes the next character just as in single-quoted strings.
         */
        @Test
        void skipsABackslashEscapedDoubleQuoteWhenBackslashesEscape() {
            NamedSql sql = NamedSql.parse("SELECT \"say \\\":hi\\\"\", :x", true);

            assertThat(sql.jdbcSql()).isEqualTo("SELECT \"say \\\":hi\\\"\", ?");
            assertThat(sql.parameters()).containsExactly("x");
        }
    }

    @Nested
    class QuotedIdentifiers {
        @Test
        void skipsAColonInsideADoubleQuotedIdentifier() {
            NamedSql sql = parse("SELECT \"odd:name\", \"with \"\"quote:\"\"\" FROM t WHERE id = :id");

            assertThat(sql.jdbcSql()).isEqualTo("SELECT \"odd:name\", \"with \"\"quote:\"\"\" FROM t WHERE id = ?");
            assertThat(sql.parameters()).containsExactly("id");
        }

        @Test
        void skipsAColonInsideBackticks() {
            NamedSql sql = NamedSql.parse("SELECT `odd:name`, `a``b:c` FROM t WHERE id = :id", true);

            assertThat(sql.jdbcSql()).isEqualTo("SELECT `odd:name`, `a``b:c` FROM t WHERE id = ?");
            assertThat(sql.parameters()).containsExactly("id");
        }

        @Test
        void skipsAQuestionMarkInsideQuotedIdentifiers() {
            NamedSql sql = NamedSql.parse("SELECT \"why?\", `how?` FROM t", true);

            assertThat(sql.parameters()).isEmpty();
        }
    }

    @Nested
    class Comments {
        @Test
        void skipsALineComment() {
            NamedSql sql = parse("SELECT 1 -- :ignored ? 'unclosed\nFROM t WHERE id = :id");

            assertThat(sql.jdbcSql()).isEqualTo("SELECT 1 -- :ignored ? 'unclosed\nFROM t WHERE id = ?");
            assertThat(sql.parameters()).containsExactly("id");
        }

        @Test
        void skipsALineCommentThatEndsTheText() {
            NamedSql sql = parse("SELECT :a -- trailing :b");

            assertThat(sql.parameters()).containsExactly("a");
        }

        @Test
        void skipsABlockComment() {
            NamedSql sql = parse("SELECT /* :ignored ? 'unclosed\n still */ :id");

            assertThat(sql.jdbcSql()).isEqualTo("SELECT /* :ignored ? 'unclosed\n still */ ?");
            assertThat(sql.parameters()).containsExactly("id");
        }

        @Test
        void treatsASingleDashAndSlashAsOperators() {
            NamedSql sql = parse("SELECT :a - :b / :c");

            assertThat(sql.jdbcSql()).isEqualTo("SELECT ? - ? / ?");
            assertThat(sql.parameters()).containsExactly("a", "b", "c");
        }
    }

    @Nested
    class DollarQuotes {
        @Test
        void skipsADollarQuotedBody() {
            NamedSql sql = parse("DO $$ BEGIN PERFORM ':x'; RAISE NOTICE 'a?b :y'; END $$");

            assertThat(sql.jdbcSql()).isEqualTo("DO $$ BEGIN PERFORM ':x'; RAISE NOTICE 'a?b :y'; END $$");
            assertThat(sql.parameters()).isEmpty();
        }

        @Test
        void skipsATaggedDollarQuotedBody() {
            NamedSql sql = parse("SELECT $fn$ body with :x and $$ inside $fn$, :y");

            assertThat(sql.jdbcSql()).isEqualTo("SELECT $fn$ body with :x and $$ inside $fn$, ?");
            assertThat(sql.parameters()).containsExactly("y");
        }

        @Test
        void doesNotMistakeAPositionalReferenceForADollarQuote() {
            NamedSql sql = parse("SELECT $1, :a, $2");

            assertThat(sql.jdbcSql()).isEqualTo("SELECT $1, ?, $2");
            assertThat(sql.parameters()).containsExactly("a");
        }

        @Test
        void doesNotMistakeALoneDollarForADollarQuote() {
            NamedSql sql = parse("SELECT '$' || :a || price$ FROM t");

            assertThat(sql.parameters()).containsExactly("a");
        }

        /**
         * PostgreSQL (and MySQL) allow {@code $} inside an unquoted identifier: {@code a$b$c} is one name, and the
         * manual says a dollar quote that follows an identifier must be separated from it by whitespace.
         */
        @Test
        void doesNotMistakeDollarsInsideAnIdentifierForADollarQuote() {
            NamedSql sql = parse("SELECT a$b$c FROM t WHERE id = :id");

            assertThat(sql.jdbcSql()).isEqualTo("SELECT a$b$c FROM t WHERE id = ?");
            assertThat(sql.parameters()).containsExactly("id");
        }
    }

    @Nested
    class Refusals {
        @Test
        void refusesABarePositionalParameter() {
            InvalidInputException error = catchThrowableOfType(InvalidInputException.class,
                    () -> parse("SELECT * FROM t WHERE id = ?"));

            assertThat(error).isNotNull();
            assertThat(error.code()).isEqualTo("invalid_sql");
            assertThat(error.getMessage()).contains("'?'").contains(":name");
        }

        @Test
        void keepsADoubledQuestionMarkWhereTheDriverReadsItAsAnOperator() {
            NamedSql sql = NamedSql.parse("SELECT doc ?? :key, doc ??| :keys, doc ??& :keys FROM t", false, true);

            assertThat(sql.jdbcSql()).isEqualTo("SELECT doc ?? ?, doc ??| ?, doc ??& ? FROM t");
            assertThat(sql.parameters()).containsExactly("key", "keys", "keys");
        }

        @Test
        void refusesABareQuestionMarkEvenWhereDoubledOnesAreOperatorsAndSaysHowToWriteThem() {
            InvalidInputException error = catchThrowableOfType(InvalidInputException.class,
                    () -> NamedSql.parse("SELECT doc ? 'key' FROM t", false, true));

            assertThat(error).isNotNull();
            assertThat(error.code()).isEqualTo("invalid_sql");
            assertThat(error.getMessage()).contains("??");
        }

        @Test
        void refusesADoubledQuestionMarkWhereTheDriverDoesNotReadItAsAnOperator() {
            assertThat(catchThrowableOfType(InvalidInputException.class, () -> parse("SELECT a ?? b FROM t")))
                    .isNotNull();
        }

        @Test
        void refusesMixingPositionalAndNamedParameters() {
            InvalidInputException error = catchThrowableOfType(InvalidInputException.class,
                    () -> parse("SELECT * FROM t WHERE id = :id AND name = ?"));

            assertThat(error).isNotNull();
            assertThat(error.code()).isEqualTo("invalid_sql");
        }

        @ParameterizedTest
        @ValueSource(strings = {
            "SELECT 'open",
            "SELECT 'it''s",
            "SELECT \"open",
            "SELECT `open",
            "SELECT /* open",
            "SELECT $$ open",
            "SELECT $a$ open $b$",
            "SELECT :x, 'unclosed :y"
        })
        void refusesAnUnterminatedLiteral(String text) {
            InvalidInputException error = catchThrowableOfType(InvalidInputException.class,
                    () -> NamedSql.parse(text, false));

            assertThat(error).as("parse(%s)", text).isNotNull();
            assertThat(error.code()).isEqualTo("invalid_sql");
            assertThat(error.getMessage()).startsWith("unterminated");
        }

        @Test
        void refusesAStringEndingInABackslashWhenBackslashesEscape() {
            InvalidInputException error = catchThrowableOfType(InvalidInputException.class,
                    () -> NamedSql.parse("SELECT 'abc\\", true));

            assertThat(error).isNotNull();
            assertThat(error.getMessage()).startsWith("unterminated");
        }

        @Test
        void keepsTheSqlTextOutOfTheMessage() {
            InvalidInputException error = catchThrowableOfType(InvalidInputException.class,
                    () -> parse("SELECT 'secret-value-123"));

            assertThat(error.getMessage()).doesNotContain("secret-value-123");
        }
    }

    @Nested
    class CheckParameters {
        private final NamedSql sql = parse("SELECT * FROM t WHERE a = :alpha AND b = :beta OR c = :alpha");

        @Test
        void acceptsExactlyTheStatementsParameters() {
            sql.checkParameters(Map.of("alpha", 1, "beta", "two"));
        }

        @Test
        void acceptsANullValue() {
            Map<String, Object> values = new HashMap<>();
            values.put("alpha", null);
            values.put("beta", null);

            sql.checkParameters(values);
        }

        @Test
        void acceptsNoValuesForAStatementWithoutParameters() {
            parse("SELECT 1").checkParameters(Map.of());
        }

        @Test
        void namesTheMissingParameter() {
            InvalidInputException error = catchThrowableOfType(InvalidInputException.class,
                    () -> sql.checkParameters(Map.of("alpha", 1)));

            assertThat(error).isNotNull();
            assertThat(error.code()).isEqualTo("missing_parameter");
            assertThat(error.field()).isEqualTo("beta");
            assertThat(error.getMessage()).contains(":beta").contains(":alpha, :beta");
        }

        @Test
        void namesTheUnknownParameter() {
            InvalidInputException error = catchThrowableOfType(InvalidInputException.class,
                    () -> sql.checkParameters(Map.of("alpha", 1, "beta", 2, "gamma", 3)));

            assertThat(error).isNotNull();
            assertThat(error.code()).isEqualTo("unknown_parameter");
            assertThat(error.field()).isEqualTo("gamma");
            assertThat(error.getMessage()).contains("gamma").contains(":alpha, :beta");
        }

        @Test
        void namesAnUnknownParameterOfAStatementWithoutParameters() {
            InvalidInputException error = catchThrowableOfType(InvalidInputException.class,
                    () -> parse("SELECT 1").checkParameters(Map.of("stray", 1)));

            assertThat(error).isNotNull();
            assertThat(error.field()).isEqualTo("stray");
            assertThat(error.getMessage()).contains("stray").contains("no parameters");
        }

        @Test
        void reportsTheMissingParameterWhenOneIsMissingAndAnotherUnknown() {
            InvalidInputException error = catchThrowableOfType(InvalidInputException.class,
                    () -> sql.checkParameters(Map.of("alpha", 1, "betta", 2)));

            assertThat(error).isNotNull();
            assertThat(error.code()).isEqualTo("missing_parameter");
            assertThat(error.field()).isEqualTo("beta");
        }

        @Test
        void neverPutsAValueInTheMessage() {
            InvalidInputException error = catchThrowableOfType(InvalidInputException.class,
                    () -> sql.checkParameters(Map.of("alpha", "secret-value-123", "beta", 2, "x", "other-secret")));

            assertThat(error.getMessage()).doesNotContain("secret-value-123").doesNotContain("other-secret");
        }

        @Test
        void escapesAnUnprintableUnknownName() {
            InvalidInputException error = catchThrowableOfType(InvalidInputException.class,
                    () -> sql.checkParameters(Map.of("alpha", 1, "beta", 2, "b\u0435ta", 3)));

            assertThat(error).isNotNull();
            assertThat(error.getMessage()).contains("b\\u0435ta");
        }
    }
}
