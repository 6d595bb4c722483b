package dev.weft.service.cli;

import dev.weft.service.ProblemException;
import dev.weft.service.users.CreateUserRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.commons.csv.CSVRecord;
import org.jspecify.annotations.Nullable;

/**
 * The columns of a {@code users import} CSV file and the header that names them. The header is checked once,
 * before anything is imported; each row is then read by position. Immutable and thread-safe.
 */
final class UserColumns {
    /** One column users import knows. */
    record Column(String name, boolean required, String format) {
    }

    /** Every column, in the order {@code --help} lists them. */
    static final List<Column> ALL = List.of(
            new Column("email", true, "an email address, at most 254 characters; unique"),
            new Column("username", true, "3 to 64 of A-Z a-z 0-9 _ . -; unique"),
            new Column("full_name", false, "at most 200 characters; empty for none"),
            new Column("credits", false, "a whole number from 0 to 10^15; empty for 0"));

    private final List<String> header;

    private UserColumns(List<String> header) {
        this.header = List.copyOf(header);
    }

    /**
     * Checks a header row: every name known, none twice, the required ones present. Names are compared without
     * case and surrounding spaces.
     *
     * @param names the header row's fields
     * @return the columns, or the one-line reason the header is refused
     */
    static Result parse(List<String> names) {
        List<String> header = new ArrayList<>();
        for (String raw : names) {
            // a spreadsheet's "CSV UTF-8" export starts with a byte order mark
            String name = raw.replace("\uFEFF", "").strip().toLowerCase(Locale.ROOT);
            if (ALL.stream().noneMatch(column -> column.name().equals(name))) {
                return Result.refused("unknown column '" + raw.strip() + "' in the header; the columns are "
                        + names(ALL) + " (see weft users import --help)");
            }
            if (header.contains(name)) {
                return Result.refused("column '" + name + "' appears twice in the header");
            }
            header.add(name);
        }
        List<Column> missing = ALL.stream().filter(column -> column.required() && !header.contains(column.name()))
                .toList();
        if (!missing.isEmpty()) {
            return Result.refused("the header lacks the required column" + (missing.size() > 1 ? "s " : " ")
                    + missing.stream().map(Column::name).collect(Collectors.joining(", "))
                    + "; the columns are " + names(ALL));
        }
        return new Result(new UserColumns(header), null);
    }

    /**
     * Reads one data row.
     *
     * @param row the row
     * @return the validated request
     * @throws ProblemException if a field is invalid
     * @throws IllegalArgumentException if the row has a different number of fields than the header
     */
    CreateUserRequest read(CSVRecord row) {
        if (row.size() != header.size()) {
            throw new IllegalArgumentException("expected " + header.size() + " fields, found " + row.size());
        }
        String email = null;
        String username = null;
        String fullName = null;
        Long credits = null;
        for (int i = 0; i < header.size(); i++) {
            String value = row.get(i);
            switch (header.get(i)) {
                case "email" -> email = value.strip();
                case "username" -> username = value.strip();
                case "full_name" -> fullName = value.isEmpty() ? null : value;
                case "credits" -> credits = credits(value);
                default -> throw new IllegalStateException("parse() admits only known columns");
            }
        }
        return new CreateUserRequest(email, username, fullName, credits);
    }

    private static @Nullable Long credits(String value) {
        try {
            return value.isBlank() ? null : Long.valueOf(value.strip());
        } catch (NumberFormatException e) {
            throw ProblemException.invalidField("credits", "must be a whole number");
        }
    }

    private static String names(List<Column> columns) {
        return columns.stream().map(column -> column.name() + (column.required() ? " (required)" : ""))
                .collect(Collectors.joining(", "));
    }

    /**
     * The columns of an accepted header, or why it was refused.
     *
     * @param columns the columns, when accepted
     * @param refusal the reason, when refused
     */
    record Result(@Nullable UserColumns columns, @Nullable String refusal) {
        static Result refused(String reason) {
            return new Result(null, reason);
        }

        Optional<UserColumns> accepted() {
            return Optional.ofNullable(columns);
        }
    }
}
