package dev.weft.db.internal;

import dev.weft.core.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.temporal.TemporalAccessor;
import java.util.HexFormat;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Streams rows into PostgreSQL with {@code COPY ... FROM STDIN (FORMAT csv)}: rows are encoded into a 64 KiB
 * buffer and sent as it fills, so memory stays flat whatever the row count. Loaded only on PostgreSQL.
 */
public final class PgCopy {
    private static final int FLUSH_AT = 64 * 1024;

    private PgCopy() {
    }

    /**
     * @param connection a PostgreSQL connection (a pool proxy is unwrapped)
     * @param copySql the COPY statement, identifiers already quoted
     * @param width the number of columns
     * @param rows the rows
     * @return rows copied
     * @throws SQLException from the server; the copy is cancelled
     */
    public static long copy(Connection connection, String copySql, int width, Iterable<? extends List<?>> rows)
            throws SQLException {
        CopyIn copyIn = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(copySql);
        boolean done = false;
        try {
            Buffer buffer = new Buffer(FLUSH_AT + 4096);
            long index = 0;
            for (List<?> row : rows) {
                if (row.size() != width) {
                    throw new InvalidInputException("invalid_row", "rows[" + index + "]",
                            "row " + index + " has " + row.size() + " values for " + width + " columns");
                }
                for (int column = 0; column < width; column++) {
                    if (column > 0) {
                        buffer.write(',');
                    }
                    encode(buffer, row.get(column), index, column);
                }
                buffer.write('\n');
                if (buffer.size() >= FLUSH_AT) {
                    copyIn.writeToCopy(buffer.bytes(), 0, buffer.size());
                    buffer.reset();
                }
                index++;
            }
            if (buffer.size() > 0) {
                copyIn.writeToCopy(buffer.bytes(), 0, buffer.size());
            }
            long copied = copyIn.endCopy();
            done = true;
            return copied;
        } finally {
            if (!done && copyIn.isActive()) {
                copyIn.cancelCopy();
            }
        }
    }

    private static void encode(Buffer out, Object value, long row, int column) {
        switch (value) {
            case null -> {
                // an unquoted empty field is NULL in CSV format; empty strings are always quoted below
            }
            case Number number -> out.writeAscii(number.toString());
            case Boolean flag -> out.writeAscii(flag ? "t" : "f");
            case byte[] bytes -> out.writeAscii("\\x" + HexFormat.of().formatHex(bytes));
            case CharSequence text -> quoted(out, text.toString(), row, column);
            case TemporalAccessor time -> quoted(out, time.toString(), row, column);
            case java.util.UUID uuid -> out.writeAscii(uuid.toString());
            case Enum<?> constant -> quoted(out, constant.name(), row, column);
            default -> throw new InvalidInputException("invalid_value", "rows[" + row + "][" + column + "]",
                    "cannot copy a value of type " + value.getClass().getName());
        }
    }

    private static void quoted(Buffer out, String text, long row, int column) {
        if (text.indexOf('\0') >= 0) {
            throw new InvalidInputException("invalid_value", "rows[" + row + "][" + column + "]",
                    "value at row " + row + ", column " + column + " contains a NUL character");
        }
        out.write('"');
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            if (b == '"') {
                out.write('"');
            }
            out.write(b);
        }
        out.write('"');
    }

    /** A growable byte buffer whose array is handed to the driver without a copy; unsynchronized. */
    private static final class Buffer {
        private byte[] bytes;
        private int size;

        Buffer(int capacity) {
            bytes = new byte[capacity];
        }

        void write(int b) {
            if (size == bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, bytes.length * 2);
            }
            bytes[size++] = (byte) b;
        }

        void writeAscii(String text) {
            for (int i = 0; i < text.length(); i++) {
                write(text.charAt(i));
            }
        }

        byte[] bytes() {
            return bytes;
        }

        int size() {
            return size;
        }

        void reset() {
            size = 0;
        }
    }
}
