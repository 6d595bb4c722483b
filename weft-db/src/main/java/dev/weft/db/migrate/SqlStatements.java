package dev.weft.db.migrate;

import dev.weft.db.internal.SqlLexer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits a migration's SQL into statements at semicolons that stand outside string literals, quoted
 * identifiers, comments ({@code --}, {@code /* *}{@code /}, and {@code #} on MySQL/MariaDB) and PostgreSQL
 * dollar-quoted bodies ({@code $$ ... $$}, {@code $tag$ ... $tag$}). A {@code CREATE TRIGGER} keeps the
 * semicolons between its {@code BEGIN} and {@code END} (SQLite and MySQL trigger bodies). Pieces holding only
 * comments and blank space are dropped.
 */
final class SqlStatements {
    private static final int LEADING_WORDS = 5;

    private SqlStatements() {
    }

    /**
     * @param sql one or more statements
     * @param mysqlFamily whether backslashes escape in literals and {@code #} starts a comment
     * @return the statements, trimmed, without their terminating semicolons
     * @throws dev.weft.core.InvalidInputException ({@code invalid_sql}) for an unterminated literal, comment or
     *     dollar quote
     */
    static List<String> split(String sql, boolean mysqlFamily) {
        List<String> statements = new ArrayList<>();
        int length = sql.length();
        int start = 0;
        int blockDepth = 0;
        List<String> leading = new ArrayList<>(LEADING_WORDS);
        boolean trigger = false;
        int i = 0;
        while (i < length) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"' || c == '`') {
                i = SqlLexer.skipQuoted(sql, i, c, mysqlFamily && c != '`');
            } else if (c == '-' && i + 1 < length && sql.charAt(i + 1) == '-' || c == '#' && mysqlFamily) {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? length : end + 1;
            } else if (c == '/' && i + 1 < length && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                if (end < 0) {
                    throw SqlLexer.unterminated("/* comment");
                }
                i = end + 2;
            } else if (c == '$' && !mysqlFamily && (i == 0 || !continuesWord(sql.charAt(i - 1)))) {
                i = SqlLexer.skipDollarQuoted(sql, i);
            } else if (isNameStart(c) && (i == 0 || !continuesWord(sql.charAt(i - 1)))) {
                int end = i + 1;
                while (end < length && continuesWord(sql.charAt(end))) {
                    end++;
                }
                String word = sql.substring(i, end).toUpperCase(Locale.ROOT);
                if (leading.size() < LEADING_WORDS) {
                    leading.add(word);
                    trigger = isTrigger(leading);
                }
                if (trigger) {
                    if (word.equals("BEGIN") || word.equals("CASE")) {
                        blockDepth++;
                    } else if (word.equals("END") && blockDepth > 0) {
                        blockDepth--;
                    }
                }
                i = end;
            } else if (c == ';' && blockDepth == 0) {
                add(statements, sql.substring(start, i), mysqlFamily);
                start = i + 1;
                leading.clear();
                trigger = false;
                i++;
            } else {
                i++;
            }
        }
        add(statements, sql.substring(start), mysqlFamily);
        return List.copyOf(statements);
    }

    /** @return whether a statement starting with these words is a CREATE TRIGGER, whose body holds semicolons */
    private static boolean isTrigger(List<String> words) {
        if (words.isEmpty() || !words.getFirst().equals("CREATE")) {
            return false;
        }
        // CREATE [OR REPLACE] [TEMP|TEMPORARY] [DEFINER = x] TRIGGER: look for TRIGGER among the first words
        return words.contains("TRIGGER");
    }

    private static void add(List<String> statements, String piece, boolean mysqlFamily) {
        String statement = piece.strip();
        if (!stripComments(statement, mysqlFamily).isBlank()) {
            statements.add(statement);
        }
    }

    /** Removes comments (outside literals); used only to tell empty pieces and statement kinds apart. */
    private static String stripComments(String text, boolean mysqlFamily) {
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\'' || c == '"' || c == '`') {
                int end = SqlLexer.skipQuoted(text, i, c, mysqlFamily && c != '`');
                out.append(text, i, end);
                i = end;
            } else if (c == '-' && i + 1 < text.length() && text.charAt(i + 1) == '-' || c == '#' && mysqlFamily) {
                int end = text.indexOf('\n', i);
                i = end < 0 ? text.length() : end + 1;
                out.append(' ');
            } else if (c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '*') {
                int end = text.indexOf("*/", i + 2);
                i = end < 0 ? text.length() : end + 2;
                out.append(' ');
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** @return the first keyword of a statement, upper case, after leading comments and parentheses */
    static String firstKeyword(String statement, boolean mysqlFamily) {
        String text = stripComments(statement, mysqlFamily).strip();
        int i = 0;
        while (i < text.length() && (text.charAt(i) == '(' || Character.isWhitespace(text.charAt(i)))) {
            i++;
        }
        int end = i;
        while (end < text.length() && isNamePart(text.charAt(end))) {
            end++;
        }
        return text.substring(i, end).toUpperCase(Locale.ROOT);
    }



    private static boolean isNameStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    private static boolean isNamePart(char c) {
        return isNameStart(c) || (c >= '0' && c <= '9');
    }

    /** @return whether {@code c} may precede in the same word: a name character or {@code $} (PostgreSQL) */
    private static boolean continuesWord(char c) {
        return isNamePart(c) || c == '$';
    }
}
