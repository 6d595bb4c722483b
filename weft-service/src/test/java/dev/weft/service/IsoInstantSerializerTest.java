package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IsoInstantSerializerTest {
    /** What the serializer promises: RFC 3339 UTC to the microsecond, always six digits. */
    private static String expected(Instant instant) {
        Instant micros = instant.truncatedTo(ChronoUnit.MICROS);
        String text = micros.toString();
        if (micros.getEpochSecond() < -62_167_219_200L || micros.getEpochSecond() >= 253_402_300_800L) {
            return text;
        }
        return DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC).format(micros);
    }

    @Test
    void writesEveryInstantToTheMicrosecondWithSixDigits() {
        SplittableRandom random = new SplittableRandom(19);
        for (int i = 0; i < 200_000; i++) {
            long seconds = random.nextLong(-70_000_000_000L, 260_000_000_000L);
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            Instant instant = Instant.ofEpochSecond(seconds, nanos);
            assertThat(IsoInstantSerializer.format(instant)).isEqualTo(expected(instant));
            assertThat(Instant.parse(IsoInstantSerializer.format(instant)))
                    .isEqualTo(instant.truncatedTo(ChronoUnit.MICROS));
        }
    }

    @Test
    void edgesOfTheFastPathAndOfEachDay() {
        for (String text : new String[] {"0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
            "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.000000001Z", "2000-02-29T12:00:00.100Z",
            "2026-12-05T02:07:59.944436Z", "-0001-12-31T23:59:59Z", "+10000-01-01T00:00:00Z"}) {
            Instant instant = Instant.parse(text);
            assertThat(IsoInstantSerializer.format(instant)).isEqualTo(expected(instant));
        }
    }

    @Test
    void oneLengthWhateverTheFraction() {
        assertThat(IsoInstantSerializer.format(Instant.parse("2026-12-05T02:08:00Z")))
                .isEqualTo("2026-12-05T02:08:00.000000Z");
        assertThat(IsoInstantSerializer.format(Instant.parse("2026-12-05T02:08:00.1Z")))
                .isEqualTo("2026-12-05T02:08:00.100000Z");
        assertThat(IsoInstantSerializer.format(Instant.parse("2026-12-05T02:08:00.123456789Z")))
                .isEqualTo("2026-12-05T02:08:00.123456Z");
        // as text, in time order
        assertThat(IsoInstantSerializer.format(Instant.parse("2026-12-05T02:08:00Z")))
                .isLessThan(IsoInstantSerializer.format(Instant.parse("2026-12-05T02:08:00.5Z")));
    }

    @Test
    void theServiceMapperUsesIt() {
        Instant instant = Instant.parse("2026-12-05T02:07:59.944436Z");
        assertThat(new String(Json.create().write(java.util.Map.of("at", instant)),
                java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("{\"at\":\"2026-12-05T02:07:59.944436Z\"}");
    }
}
