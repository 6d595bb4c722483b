package dev.weft.db.migrate;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The migration file format. One file per migration, named {@code V<version>__<name>.sql}:
 *
 * <pre>
 * -- description: Create the users table
 * -- up
 * CREATE TABLE users (...);
 * CREATE INDEX idx_users_email ON users (email);
 * -- down
 * DROP TABLE users;
 * </pre>
 *
 * The markers are lines of their own ({@code -- up}, {@code -- down}, case-insensitive). Before {@code -- up}
 * only comments and blank lines may stand; a {@code -- description:} comment there is the description. A file
 * without markers is all up SQL and cannot be rolled back. A {@code -- weft:no-transaction} comment right after
 * {@code -- up} runs the migration outside a transaction ({@link Migration#transactional()}).
 */
final class MigrationFiles {
    static final Pattern FILE_NAME = Pattern.compile("V([0-9][0-9._]*)__([A-Za-z0-9_][A-Za-z0-9_-]*)\\.sql");
    private static final Pattern UP = Pattern.compile("--\\s*up\\s*", Pattern.CASE_INSENSITIVE);
    private static final Pattern DOWN = Pattern.compile("--\\s*down\\s*", Pattern.CASE_INSENSITIVE);
    private static final Pattern DESCRIPTION = Pattern.compile("--\\s*description:\\s*(.*)", Pattern.CASE_INSENSITIVE);

    private MigrationFiles() {
    }

    /** @return whether {@code fileName} (no directory) is a migration file rather than some other file */
    static boolean isMigrationFile(String fileName) {
        return fileName.toLowerCase(Locale.ROOT).endsWith(".sql");
    }

    /**
     * @param fileName the file's name, without directory
     * @param content the file's text
     * @param origin where the file was found, for messages
     * @return the migration
     * @throws MigrationException {@code invalid_migration} for a malformed name or content
     */
    static Migration parse(String fileName, String content, String origin) {
        Matcher name = FILE_NAME.matcher(fileName);
        if (!name.matches()) {
            throw Migration.invalid(null, "migration file " + Migration.printable(origin)
                    + " is not named V<version>__<name>.sql (e.g. V20261123_120000__create_users.sql)");
        }
        String version = name.group(1);
        String description = "";
        StringBuilder header = new StringBuilder();
        StringBuilder up = null;
        StringBuilder down = null;
        StringBuilder current = header;
        for (String line : content.split("\r\n|\r|\n", -1)) {
            String trimmed = line.strip();
            if (UP.matcher(trimmed).matches()) {
                if (up != null || down != null) {
                    throw Migration.invalid(version, "migration file " + Migration.printable(origin)
                            + ": '-- up' must appear once, before '-- down'");
                }
                up = new StringBuilder();
                current = up;
                continue;
            }
            if (DOWN.matcher(trimmed).matches()) {
                if (down != null) {
                    throw Migration.invalid(version, "migration file " + Migration.printable(origin)
                            + ": '-- down' must appear once");
                }
                if (up == null) {
                    // no '-- up' marker: everything so far was the up SQL
                    up = header;
                    header = new StringBuilder();
                }
                down = new StringBuilder();
                current = down;
                continue;
            }
            if (current == header) {
                Matcher described = DESCRIPTION.matcher(trimmed);
                if (described.matches() && description.isEmpty()) {
                    description = described.group(1).strip();
                    continue;
                }
            }
            current.append(line).append('\n');
        }
        if (up == null) {
            up = header;
        } else if (!onlyComments(header.toString())) {
            throw Migration.invalid(version, "migration file " + Migration.printable(origin)
                    + ": SQL before '-- up'; put it after the marker");
        }
        return new Migration(version, name.group(2), description, up.toString(), text(down));
    }

    /** @return the file text of {@code migration}, which {@link #parse} reads back to an equal migration */
    static String render(Migration migration) {
        StringBuilder out = new StringBuilder();
        if (!migration.description().isEmpty()) {
            out.append("-- description: ").append(migration.description()).append('\n');
        }
        out.append("-- up\n").append(migration.up()).append('\n');
        if (migration.reversible()) {
            out.append("-- down\n").append(migration.down()).append('\n');
        }
        return out.toString();
    }

    private static String text(@Nullable StringBuilder section) {
        return section == null ? "" : section.toString();
    }

    private static boolean onlyComments(String text) {
        for (String line : text.split("\n")) {
            String trimmed = line.strip();
            if (!trimmed.isEmpty() && !trimmed.startsWith("--")) {
                return false;
            }
        }
        return true;
    }
}
