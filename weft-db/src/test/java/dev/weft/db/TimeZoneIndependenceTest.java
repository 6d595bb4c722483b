package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
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
}
