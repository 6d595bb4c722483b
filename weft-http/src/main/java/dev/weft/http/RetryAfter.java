package dev.weft.http;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Parses {@code Retry-After}: delay-seconds or an HTTP-date (RFC 9110 §10.2.3) in any of the three forms a recipient
 * must accept (§5.6.7): IMF-fixdate, and the obsolete RFC 850 and asctime forms, which servers still send.
 */
final class RetryAfter {
    /** asctime: {@code Sun Nov  6 08:49:37 1994}, the day padded with a space. */
    private static final DateTimeFormatter ASCTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy",
            Locale.US);

    private RetryAfter() {
    }

    static @Nullable Duration parse(@Nullable String value, Clock clock) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String text = value.trim();
        if (text.chars().allMatch(Character::isDigit)) {
            return text.length() > 9 ? Duration.ofSeconds(999_999_999L) : Duration.ofSeconds(Long.parseLong(text));
        }
        ZonedDateTime at = date(text, clock);
        if (at == null) {
            return null;
        }
        Duration wait = Duration.between(clock.instant(), at.toInstant());
        return wait.isNegative() ? Duration.ZERO : wait;
    }

    private static @Nullable ZonedDateTime date(String text, Clock clock) {
        try {
            return ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME);
        } catch (DateTimeParseException notImfFixdate) {
            // one of the obsolete forms, below
        }
        try {
            return LocalDateTime.parse(text, rfc850(clock)).atZone(ZoneOffset.UTC);
        } catch (DateTimeParseException notRfc850) {
            // asctime, below
        }
        try {
            return LocalDateTime.parse(text, ASCTIME).atZone(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * RFC 850: {@code Sunday, 06-Nov-94 08:49:37 GMT}. Its two-digit year is the one at most 50 years ahead of now
     * (RFC 9110 §5.6.7), so the formatter depends on the clock.
     */
    private static DateTimeFormatter rfc850(Clock clock) {
        int year = clock.instant().atZone(ZoneOffset.UTC).getYear();
        return new DateTimeFormatterBuilder().appendPattern("EEEE, dd-MMM-")
                .appendValueReduced(ChronoField.YEAR, 2, 2, year - 49).appendPattern(" HH:mm:ss 'GMT'")
                .toFormatter(Locale.US);
    }
}
