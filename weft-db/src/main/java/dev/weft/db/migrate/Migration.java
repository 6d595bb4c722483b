package dev.weft.db.migrate;

import dev.weft.core.ErrorKind;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One schema change: a version, a name, a description, the SQL that applies it ({@code up}) and the SQL that
 * undoes it ({@code down}). Either SQL may hold several statements separated by semicolons.
 *
 * <p>Versions are digits in groups separated by {@code _} or {@code .}, ordered group by group as numbers:
 * {@link Migrations#create} makes {@code yyyyMMdd_HHmmss} timestamps, and {@code 1}, {@code 2}, {@code 10}
 * also work. Two versions that compare equal ({@code 1} and {@code 01}) are duplicates.
 *
 * <p>Immutable and thread-safe.
 *
 * @param version the version, e.g. {@code 20261123_120000}
 * @param name a short name: letters, digits, {@code _} and {@code -}, e.g. {@code create_users}
 * @param description one line for humans; may be empty
 * @param up the SQL that applies the change; not blank
 * @param down the SQL that undoes it; empty when the migration cannot be rolled back
 */
public record Migration(String version, String name, String description, String up, String down) {
    static final Pattern VERSION = Pattern.compile("[0-9]{1,18}(?:[._][0-9]{1,18}){0,7}");
    /** The directive, in a comment before the up SQL's first statement, that runs a migration outside a transaction. */
    static final String NO_TRANSACTION = "weft:no-transaction";
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_-]{0,199}");
    // a migration's SQL never changes: hashed once, not at every status() (behind a readiness probe); weak keys, so a
    // source read again from its folder does not pin the old migrations
    private static final Map<Migration, String> CHECKSUMS = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * Validates every component.
     *
     * @throws MigrationException {@code invalid_migration} for a malformed version or name, a description of more
     *     than one line, or blank up SQL
     */
    public Migration {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(up, "up");
        Objects.requireNonNull(down, "down");
        if (!VERSION.matcher(version).matches()) {
            throw invalid(null, "version '" + printable(version) + "' is not digits in groups separated by '_' or "
                    + "'.' (e.g. 20261123_120000)");
        }
        if (!NAME.matcher(name).matches()) {
            throw invalid(version, "migration " + version + ": name '" + printable(name)
                    + "' must be 1-200 letters, digits, '_' or '-'");
        }
        if (description.indexOf('\n') >= 0 || description.indexOf('\r') >= 0) {
            throw invalid(version, "migration " + version + ": the description must be one line");
        }
        if (up.isBlank()) {
            throw invalid(version, "migration " + version + " (" + name + ") has no up SQL");
        }
        up = normalise(up);
        down = normalise(down);
    }

    /**
     * The SHA-256 of the up and down SQL (line endings and surrounding blank space normalised), in hex. Recorded
     * when the migration is applied; a different value later means the migration changed after it ran.
     *
     * @return 64 lowercase hex digits
     */
    public String checksum() {
        return CHECKSUMS.computeIfAbsent(this, Migration::sha256);
    }

    private static String sha256(Migration migration) {
        String up = migration.up();
        String down = migration.down();
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(up.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(down.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * Whether the migration runs in a transaction (the default). A comment line {@code -- weft:no-transaction} among
     * the comments before the up SQL's first statement turns that off, for both directions: for statements that
     * PostgreSQL refuses inside a transaction ({@code CREATE INDEX CONCURRENTLY}, {@code ALTER TYPE ... ADD VALUE}
     * before 12) or that SQLite does ({@code VACUUM}). Such a migration runs statement by statement in autocommit
     * mode, under the migration lock, and a failure part-way is recorded as failed, as on MariaDB/MySQL, whose DDL
     * commits by itself anyway. It takes two pooled connections at once (one holds the lock and runs the statements,
     * the other records them).
     *
     * @return {@code false} when the up SQL opens with the no-transaction directive
     */
    public boolean transactional() {
        for (String line : up.split("\n", -1)) {
            String trimmed = line.strip();
            if (trimmed.isEmpty()) {
                continue;
            }
            if (!trimmed.startsWith("--")) {
                return true; // the first statement: directives stand before it
            }
            if (trimmed.substring(2).strip().equalsIgnoreCase(NO_TRANSACTION)) {
                return false;
            }
        }
        return true;
    }

    /** @return whether this migration has down SQL and so can be rolled back */
    public boolean reversible() {
        return !down.isEmpty();
    }

    /** @return the file name this migration has in a migration folder: {@code V<version>__<name>.sql} */
    public String fileName() {
        return "V" + version + "__" + name + ".sql";
    }

    /** @return the migration in the file format {@link MigrationSource#directory} reads */
    public String fileContent() {
        return MigrationFiles.render(this);
    }

    private static String normalise(String sql) {
        return sql.replace("\r\n", "\n").replace('\r', '\n').strip();
    }

    static MigrationException invalid(@Nullable String version, String message) {
        return new MigrationException(ErrorKind.INVALID_INPUT, "invalid_migration", version, message, null);
    }

    static String printable(String text) {
        String shown = text.length() > 80 ? text.substring(0, 80) + "..." : text;
        StringBuilder out = new StringBuilder(shown.length());
        shown.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append('?');
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
