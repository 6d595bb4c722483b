package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.InvalidInputException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Instants read back unchanged whatever the JVM's default zone (it was shifted by it once: see the bench notes). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TimeZoneIndependenceTest {
    private static TimeZone original;

    record Stamp(long id, Instant at, Instant wall) {
    }

    @BeforeAll
    static void moveTheJvmAwayFromUtc() {
        original = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone("America/New_York"));
    }

    @AfterAll
    static void restoreTheZone() {
        TimeZone.setDefault(original);
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void instantsRoundTripInZonedAndWallClockColumns(TestDatabases target) {
        String wallClock = target == TestDatabases.POSTGRESQL ? "TIMESTAMP" : target.timestampType();
        try (Database db = target.open()) {
            String table = TestDatabases.table("stamps");
            db.execute("CREATE TABLE " + table + " (" + target.autoId() + ", at " + target.timestampType() + ", wall "
                    + wallClock + ")" + target.tableOptions());
            try {
                Instant instant = Instant.parse("2026-01-01T00:00:01.250Z");

                db.insert(table, Map.of("at", instant, "wall", instant)).execute();
                List<Stamp> stamps = db.query("SELECT id, at, wall FROM " + table, Map.of(), Stamp.class);
                Map<String, Object> row = db.queryForRows("SELECT at FROM " + table, Map.of()).getFirst();

                assertThat(stamps).singleElement().satisfies(stamp -> {
                    assertThat(stamp.at()).isEqualTo(instant);
                    assertThat(stamp.wall()).isEqualTo(instant);
                });
                if (target == TestDatabases.POSTGRESQL) {
                    assertThat(row.get("at")).isInstanceOfSatisfying(OffsetDateTime.class,
                            at -> assertThat(at.toInstant()).isEqualTo(instant));
                }
            } finally {
                db.execute("DROP TABLE " + table);
            }
        }
    }

    record Opening(java.time.LocalTime opensAt) {
    }

    /**
     * A time of day keeps its fraction of a second: read through java.sql.Time (whose toLocalTime() drops it),
     * 13:45:30.250 came back as 13:45:30 from PostgreSQL and MariaDB, as a record component, a scalar and in a map.
     */
    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aTimeOfDayKeepsItsFractionOfASecond(TestDatabases target) {
        try (Database db = target.open()) {
            String table = TestDatabases.table("opening_times");
            String type = switch (target) {
                case POSTGRESQL -> "TIME";
                case MARIADB, MYSQL -> "TIME(6)";
                case SQLITE -> "TEXT";
            };
            db.execute("CREATE TABLE " + table + " (opens_at " + type + ")" + target.tableOptions());
            try {
                java.time.LocalTime time = java.time.LocalTime.of(13, 45, 30, 250_000_000);
                db.insert(table, Map.of("opens_at", time)).execute();

                String select = "SELECT opens_at FROM " + table;
                assertThat(db.query(select, Map.of(), java.time.LocalTime.class)).containsExactly(time);
                assertThat(db.query(select, Map.of(), Opening.class)).containsExactly(new Opening(time));
                if (target != TestDatabases.SQLITE) { // SQLite's map value is the stored text
                    assertThat(db.queryForRows(select, Map.of())).singleElement()
                            .satisfies(row -> assertThat(row.get("opens_at")).isEqualTo(time));
                }
            } finally {
                db.execute("DROP TABLE " + table);
            }
        }
    }

    /** pgjdbc will not read a timetz as a LocalTime: it is read as before, through the driver's Time. */
    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = "POSTGRESQL")
    void aTimeWithAZoneIsStillReadable(TestDatabases target) {
        try (Database db = target.open()) {
            String select = "SELECT CAST('13:45:30.25+02' AS timetz) AS t";
            assertThat(db.query(select, Map.of(), java.time.LocalTime.class)).singleElement()
                    .isInstanceOf(java.time.LocalTime.class);
            assertThat(db.query("SELECT CAST('13:45:30.25+02' AS timetz) AS opens_at", Map.of(), Opening.class))
                    .hasSize(1);
            assertThat(db.queryForRows(select, Map.of())).singleElement()
                    .satisfies(row -> assertThat(row.get("t")).isInstanceOf(java.time.LocalTime.class));
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void theOlderJdbcTimeTypesAndZonedDateTimeBindAsTheirJavaTimeEquals(TestDatabases target) {
        // a Spring or plain-JDBC caller's values: java.util.Date, java.sql.Timestamp/Date/Time, ZonedDateTime
        try (Database db = target.open()) {
            String table = TestDatabases.table("legacy_stamps");
            db.execute("CREATE TABLE " + table + " (" + target.autoId() + ", at " + target.timestampType() + ", day "
                    + "DATE, label VARCHAR(20))" + target.tableOptions());
            try {
                Instant instant = Instant.parse("2026-03-01T10:15:30.250Z");
                ZonedDateTime zoned = instant.atZone(ZoneId.of("Asia/Tokyo"));
                LocalDate day = LocalDate.of(2026, 2, 28);
                List<Map<String, ?>> rows = List.of(
                        Map.of("at", zoned, "day", day, "label", "zoned"),
                        Map.of("at", java.util.Date.from(instant), "day", java.sql.Date.valueOf(day), "label", "date"),
                        Map.of("at", java.sql.Timestamp.from(instant), "day", day, "label", "timestamp"));
                for (Map<String, ?> row : rows) {
                    db.insert(table, row).execute();
                }

                List<Stamp> stamps = db.query("SELECT id, at, at AS wall FROM " + table, Map.of(), Stamp.class);
                List<LocalDate> days = db.query("SELECT day FROM " + table, Map.of(), LocalDate.class);
                long matched = db.statement("SELECT COUNT(*) FROM " + table + " WHERE at = :at")
                        .bind("at", java.sql.Timestamp.from(instant)).one(Long.class);

                assertThat(stamps).hasSize(3).allSatisfy(stamp -> assertThat(stamp.at()).isEqualTo(instant));
                assertThat(days).containsOnly(day);
                assertThat(matched).isEqualTo(3);
            } finally {
                db.execute("DROP TABLE " + table);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void instantsOrderAndCompareChronologically(TestDatabases target) {
        // Instant.toString() writes 0, 3, 6 or 9 fraction digits: as SQLite text, 12:00:00.100Z sorted after
        // 12:00:00.100001Z and 12:00:00Z after 12:00:00.5Z
        List<Instant> chronological = List.of(Instant.parse("2026-01-01T12:00:00Z"),
                Instant.parse("2026-01-01T12:00:00.100Z"), Instant.parse("2026-01-01T12:00:00.100001Z"),
                Instant.parse("2026-01-01T12:00:00.500Z"), Instant.parse("2026-01-01T12:00:00.999999Z"));
        try (Database db = target.open()) {
            String table = TestDatabases.table("order");
            db.execute("CREATE TABLE " + table + " (" + target.autoId() + ", at " + target.timestampType() + ")"
                    + target.tableOptions());
            try {
                for (int i : new int[] {3, 0, 4, 1, 2}) {
                    db.insert(table, Map.of("at", chronological.get(i))).execute();
                }

                List<Instant> ordered = db.query("SELECT at FROM " + table + " ORDER BY at", Map.of(), Instant.class);
                List<Instant> later = db.query("SELECT at FROM " + table + " WHERE at > :after ORDER BY at",
                        Map.of("after", chronological.get(1)), Instant.class);

                assertThat(ordered).containsExactlyElementsOf(chronological);
                assertThat(later).containsExactlyElementsOf(chronological.subList(2, 5));
            } finally {
                db.execute("DROP TABLE " + table);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aValueOfATypeWeftCannotBindIsRefusedNamingItsColumn(TestDatabases target) {
        try (Database db = target.open()) {
            long before = db.queryMetrics().total();

            assertThatThrownBy(() -> db.insert("anything", Map.of("label", "x", "meta", new StringBuilder[0][0]))
                    .execute()).isInstanceOfSatisfying(InvalidInputException.class, error -> {
                        assertThat(error.code()).isEqualTo("invalid_value");
                        assertThat(error.getMessage()).contains("meta");
                    });
            assertThatThrownBy(() -> db.insert("anything", Map.of("label", "x", "meta", Thread.currentThread()))
                    .execute()).isInstanceOfSatisfying(InvalidInputException.class, error -> {
                        assertThat(error.code()).isEqualTo("invalid_value");
                        assertThat(error.getMessage()).contains("column 'meta'").contains("java.lang.")
                                .doesNotContain("value 2");
                    });
            assertThat(db.queryMetrics().total()).as("refused before any statement").isEqualTo(before);
        }
    }
}
