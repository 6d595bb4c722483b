package dev.weft.db.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A deliberately conservative reading of which tables a statement reads or writes, for query-cache tags. When
 * the text is anything but plain (a function or VALUES after FROM, LATERAL, a name it cannot read), it answers
 * "don't know" and the caller must declare the tables or invalidate everything: a wrong guess would serve stale
 * data, a refusal costs one line of code.
 */
public final class SqlTables {
    private static final Pattern TOKEN = Pattern.compile(
            "\"((?:[^\"]|\"\")*)\"|`([^`]*)`|([A-Za-z_][A-Za-z0-9_$]*)|(\\S)");
    private static final Set<String> READ_STARTS = Set.of("select", "with", "values", "show", "explain", "table");
    private static final Set<String> CLAUSE_WORDS = Set.of("where", "join", "inner", "left", "right", "full",
            "cross", "natural", "on", "using", "group", "order", "limit", "offset", "having", "union", "intersect",
            "except", "window", "for", "fetch", "returning", "set", "values", "select", "straight_join", "outer");

    private SqlTables() {
    }

    /** One token of SQL text: a lower-cased identifier or keyword, a quoted name, or a symbol. */
    private record Token(String text, boolean name, boolean quoted) {
    }

    /**
     * @param sql SQL text (string literals and comments are skipped)
     * @return whether the statement only reads (starts with SELECT, WITH ... SELECT, VALUES, SHOW, EXPLAIN)
     */
    public static boolean isRead(String sql) {
        return isRead(sql, false);
    }

    /**
     * @param sql SQL text
     * @param mysqlFamily whether to lex it as MySQL/MariaDB do (backslash escapes, double-quoted strings)
     * @return whether the statement only reads
     */
    public static boolean isRead(String sql, boolean mysqlFamily) {
        List<Token> tokens = tokens(sql, mysqlFamily);
        if (tokens.isEmpty() || !READ_STARTS.contains(tokens.getFirst().text())) {
            return false;
        }
        if (tokens.getFirst().text().equals("with")) {
            // a data-modifying CTE (WITH x AS (DELETE ...)) writes
            for (Token token : tokens) {
                if (!token.quoted() && Set.of("insert", "update", "delete", "merge").contains(token.text())) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * @param sql a read statement
     * @return the tables it reads (lower-cased), or empty if the text is too involved to be sure
     */
    public static Optional<Set<String>> readTables(String sql) {
        return readTables(sql, false);
    }

    /**
     * @param sql a read statement
     * @param mysqlFamily whether to lex it as MySQL/MariaDB do
     * @return the tables it reads (lower-cased), or empty if the text is too involved to be sure
     */
    public static Optional<Set<String>> readTables(String sql, boolean mysqlFamily) {
        List<Token> tokens = tokens(sql, mysqlFamily);
        Set<String> tables = new LinkedHashSet<>();
        for (int i = 0; i < tokens.size(); i++) {
            String word = tokens.get(i).text();
            if (tokens.get(i).quoted() || !(word.equals("from") || word.equals("join"))) {
                continue;
            }
            int next = i + 1;
            while (true) {
                if (next >= tokens.size()) {
                    return Optional.empty();
                }
                Token target = tokens.get(next);
                if (target.text().equals("(")) {
                    // a subquery is fine: its own FROMs are read in turn; anything else in parentheses is not
                    if (next + 1 < tokens.size() && tokens.get(next + 1).text().equals("select")) {
                        break;
                    }
                    return Optional.empty();
                }
                if (!target.name() || (!target.quoted() && (target.text().equals("lateral")
                        || target.text().equals("only") || CLAUSE_WORDS.contains(target.text())))) {
                    return Optional.empty();
                }
                next = qualified(tokens, next);
                Token last = tokens.get(next);
                if (next + 1 < tokens.size() && tokens.get(next + 1).text().equals("(")) {
                    return Optional.empty(); // a table function
                }
                tables.add(last.text());
                next++;
                // skip an alias: [AS] name
                if (next < tokens.size() && tokens.get(next).text().equals("as")) {
                    next++;
                }
                if (next < tokens.size() && tokens.get(next).name() && !CLAUSE_WORDS.contains(tokens.get(next).text())
                        && !tokens.get(next).text().equals("from")) {
                    next++;
                }
                if (word.equals("from") && next < tokens.size() && tokens.get(next).text().equals(",")) {
                    next++;
                    continue;
                }
                break;
            }
        }
        return Optional.of(Set.copyOf(tables));
    }

    /**
     * @param sql a statement
     * @return the table an INSERT, UPDATE, DELETE, REPLACE, MERGE or TRUNCATE writes, or empty if unknown (DDL
     *     and anything unusual count as unknown)
     */
    public static Optional<String> writeTarget(String sql) {
        return writeTarget(sql, false);
    }

    /**
     * @param sql a statement
     * @param mysqlFamily whether to lex it as MySQL/MariaDB do
     * @return the table it writes, or empty if unknown
     */
    public static Optional<String> writeTarget(String sql, boolean mysqlFamily) {
        List<Token> tokens = tokens(sql, mysqlFamily);
        if (tokens.isEmpty()) {
            return Optional.empty();
        }
        String first = tokens.getFirst().text();
        int at = switch (first) {
            case "insert", "replace", "merge" -> indexAfter(tokens, "into");
            case "update" -> skipModifiers(tokens, 1);
            case "delete" -> indexAfter(tokens, "from");
            case "truncate" -> tokens.size() > 1 && tokens.get(1).text().equals("table") ? 2 : 1;
            default -> -1;
        };
        if (at > 0 && at < tokens.size() && tokens.get(at).text().equals("only")) {
            at++;
        }
        if (at < 0 || at >= tokens.size() || !tokens.get(at).name()) {
            return Optional.empty();
        }
        int end = qualified(tokens, at);
        if (first.equals("update") && !followedBySet(tokens, end)) {
            return Optional.empty(); // a multi-table UPDATE (JOIN, comma list): which table changes is not plain
        }
        if (first.equals("truncate") && end + 1 < tokens.size() && tokens.get(end + 1).text().equals(",")) {
            return Optional.empty(); // several tables
        }
        return Optional.of(tokens.get(end).text());
    }

    /**
     * @param sql a statement
     * @param mysqlFamily whether string literals take backslash escapes and double quotes (MariaDB, MySQL)
     * @return whether it has a RETURNING clause: the unquoted word outside literals and comments
     */
    public static boolean hasReturning(String sql, boolean mysqlFamily) {
        for (Token token : tokens(sql, mysqlFamily)) {
            if (token.name() && !token.quoted() && token.text().equals("returning")) {
                return true;
            }
        }
        return false;
    }

    /** Skips MySQL's UPDATE modifiers ({@code LOW_PRIORITY}, {@code IGNORE}). */
    private static int skipModifiers(List<Token> tokens, int at) {
        int index = at;
        while (index < tokens.size() && !tokens.get(index).quoted()
                && Set.of("low_priority", "ignore").contains(tokens.get(index).text())) {
            index++;
        }
        return index;
    }

    /** Whether the table name at {@code end} is followed by SET, directly or after an alias. */
    private static boolean followedBySet(List<Token> tokens, int end) {
        int next = end + 1;
        if (next < tokens.size() && tokens.get(next).text().equals("as")) {
            next++;
        }
        if (next < tokens.size() && tokens.get(next).text().equals("set")) {
            return true;
        }
        return next + 1 < tokens.size() && tokens.get(next).name() && tokens.get(next + 1).text().equals("set");
    }

    private static int indexAfter(List<Token> tokens, String keyword) {
        for (int i = 1; i < Math.min(tokens.size(), 4); i++) {
            if (tokens.get(i).text().equals(keyword) && !tokens.get(i).quoted()) {
                return i + 1;
            }
        }
        return -1;
    }

    /** Skips {@code schema.} qualifiers; returns the index of the table name itself. */
    private static int qualified(List<Token> tokens, int start) {
        int at = start;
        while (at + 2 < tokens.size() && tokens.get(at + 1).text().equals(".") && tokens.get(at + 2).name()) {
            at += 2;
        }
        return at;
    }

    private static List<Token> tokens(String sql, boolean mysqlFamily) {
        String plain = stripLiteralsAndComments(sql, mysqlFamily);
        List<Token> tokens = new ArrayList<>();
        Matcher matcher = TOKEN.matcher(plain);
        while (matcher.find()) {
            if (matcher.group(1) != null) {
                tokens.add(new Token(matcher.group(1).replace("\"\"", "\"").toLowerCase(Locale.ROOT), true, true));
            } else if (matcher.group(2) != null) {
                tokens.add(new Token(matcher.group(2).toLowerCase(Locale.ROOT), true, true));
            } else if (matcher.group(3) != null) {
                tokens.add(new Token(matcher.group(3).toLowerCase(Locale.ROOT), true, false));
            } else {
                tokens.add(new Token(matcher.group(4), false, false));
            }
        }
        return tokens;
    }

    /**
     * Replaces string literals with {@code ''} and removes comments, lexing as the dialect does: backslash escapes
     * and double-quoted strings and {@code #} comments on MySQL/MariaDB; {@code E'...'} and dollar quotes on
     * PostgreSQL.
     */
    private static String stripLiteralsAndComments(String sql, boolean mysqlFamily) {
        StringBuilder out = new StringBuilder(sql.length());
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            boolean escapeString = (c == 'E' || c == 'e') && i + 1 < sql.length() && sql.charAt(i + 1) == '\''
                    && (i == 0 || !SqlLexer.isNamePart(sql.charAt(i - 1)));
            if (c == '\'' || escapeString || (mysqlFamily && c == '"')) {
                int open = escapeString ? i + 1 : i;
                i = SqlLexer.skipQuoted(sql, open, sql.charAt(open), mysqlFamily || escapeString);
                out.append("''");
            } else if (!mysqlFamily && c == '$') {
                int end = i > 0 && SqlLexer.isNamePart(sql.charAt(i - 1)) ? i + 1 : SqlLexer.skipDollarQuoted(sql, i);
                out.append(end == i + 1 ? "$" : "''");
                i = end;
            } else if ((c == '-' && i + 1 < sql.length() && sql.charAt(i + 1) == '-') || (mysqlFamily && c == '#')) {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? sql.length() : end;
            } else if (c == '/' && i + 1 < sql.length() && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? sql.length() : end + 2;
                out.append(' ');
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
