package dev.weft.service;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Writes an {@link Instant} as RFC 3339 UTC text with exactly six fraction digits ({@code 2026-12-05T02:07:59.944436Z},
 * {@code 2026-12-05T02:08:00.000000Z}): microseconds, what PostgreSQL and MariaDB keep, so every timestamp of the
 * service has one length on every database and clients may compare and order them as text (the webhooks' advice to
 * order by {@code updated_at} relies on it). {@code Instant.toString()} wrote 0, 3, 6 or 9 digits, and SQLite kept
 * nanoseconds. Written byte for byte, without the formatter's generic printer chain, which was a third of rendering a
 * user row with its two timestamps. Instants outside the years 0000 to 9999 (a sign or a fifth digit) go through
 * {@link Instant#toString()} truncated to microseconds.
 *
 * <p>Stateless and thread-safe.
 */
final class IsoInstantSerializer extends StdSerializer<Instant> {
    private static final long serialVersionUID = 1L;
    /** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in epoch seconds. */
    private static final long FIRST = -62_167_219_200L;
    private static final long END = 253_402_300_800L;

    IsoInstantSerializer() {
        super(Instant.class);
    }

    @Override
    public void serialize(Instant value, JsonGenerator gen, SerializerProvider provider) throws IOException {
        gen.writeString(format(value));
    }

    /** @param instant any instant @return its text, to the microsecond */
    static String format(Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < FIRST || seconds >= END) {
            return instant.truncatedTo(java.time.temporal.ChronoUnit.MICROS).toString();
        }
        long days = Math.floorDiv(seconds, 86_400);
        int secondOfDay = Math.floorMod(seconds, 86_400);
        LocalDate date = LocalDate.ofEpochDay(days);
        int micros = instant.getNano() / 1000;
        byte[] out = new byte[27];
        digits(out, 0, date.getYear(), 4);
        out[4] = '-';
        digits(out, 5, date.getMonthValue(), 2);
        out[7] = '-';
        digits(out, 8, date.getDayOfMonth(), 2);
        out[10] = 'T';
        digits(out, 11, secondOfDay / 3600, 2);
        out[13] = ':';
        digits(out, 14, secondOfDay / 60 % 60, 2);
        out[16] = ':';
        digits(out, 17, secondOfDay % 60, 2);
        out[19] = '.';
        digits(out, 20, micros, 6);
        out[26] = 'Z';
        return new String(out, java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static void digits(byte[] out, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }
}
