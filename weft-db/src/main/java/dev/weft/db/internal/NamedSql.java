package dev.weft.db.internal;

import dev.weft.core.InvalidInputException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * SQL with {@code :name} parameters, rewritten to JDBC's {@code ?} placeholders. The scanner skips string
 * literals, quoted identifiers, comments, PostgreSQL dollar-quoted bodies and {@code ::} casts, so a colon there
 * is not a parameter. A bare {@code ?} outside those is refused: positional and named parameters do not mix. Where
 * the driver reads {@code ??} as a literal {@code ?} (pgjdbc), {@code ??} is kept, so that PostgreSQL's {@code ?},
 * {@code ?|} and {@code ?&} operators can be written, as with JDBC itself: {@code doc ?? 'key'}. A parameter bound
 * to a {@link Collection} becomes one placeholder per element ({@link #expand}), for {@code IN (:ids)}.
 *
 * <p>Parsed statements are cached (bounded); instances are immutable and thread-safe.
 *
 * @param sql the original text
 * @param jdbcSql the text with each {@code :name} replaced by {@code ?}
 * @param parameters the parameter of each placeholder, in order (a name used twice appears twice)
 * @param names the distinct parameter names, in first-use order
 */
public record NamedSql(String sql, String jdbcSql, List<String> parameters, Set<String> names) {
    /** The most placeholders one statement may have once its lists are expanded (SQLite's default limit). */
    public static final int MAX_PLACEHOLDERS = 32_766;
    private static final int CACHE_LIMIT = 4096;
    private static final Map<String, NamedSql> CACHE = new ConcurrentHashMap<>();
    private static final Map<String, NamedSql> CACHE_BACKSLASH = new ConcurrentHashMap<>();
    private static final Map<String, NamedSql> CACHE_DOUBLED_QUESTION_MARK = new ConcurrentHashMap<>();

    /**
     * @param sql the SQL text
     * @param backslashEscapes whether a backslash escapes the next character inside string literals (MySQL and
     *     MariaDB by default)
     * @return the parsed statement, from the cache when seen before
     * @throws InvalidInputException for a bare {@code ?} or an unterminated literal
     */
    public static NamedSql parse(String sql, boolean backslashEscapes) {
        return parse(sql, backslashEscapes, false);
    }

    /**
     * @param sql the SQL text
     * @param backslashEscapes whether a backslash escapes the next character inside string literals
     * @param doubledQuestionMark whether the driver reads {@code ??} as a literal {@code ?} operator (pgjdbc): then
     *     {@code ??} is kept as it is, otherwise refused as positional parameters
     * @return the parsed statement, from the cache when seen before
     * @throws InvalidInputException for a bare {@code ?} or an unterminated literal
     */
    public static NamedSql parse(String sql, boolean backslashEscapes, boolean doubledQuestionMark) {
        if (backslashEscapes && doubledQuestionMark) {
            throw new IllegalArgumentException("no dialect has both backslash escapes and ?? operators");
        }
        Map<String, NamedSql> cache = backslashEscapes ? CACHE_BACKSLASH
                : doubledQuestionMark ? CACHE_DOUBLED_QUESTION_MARK : CACHE;
        NamedSql cached = cache.get(sql);
        if (cached != null) {
            return cached;
        }
        NamedSql parsed = scan(sql, backslashEscapes, doubledQuestionMark, Map.of());
        if (cache.size() >= CACHE_LIMIT) {
            // Crude but bounded: applications have a few hundred distinct statements, not thousands.
            cache.clear();
        }
        cache.put(sql, parsed);
        return parsed;
    }

    /**
     * Checks that {@code values} names exactly this statement's parameters.
     *
     * @param values the parameter values by name
     * @throws InvalidInputException naming the first missing or unknown parameter
     */
    public void checkParameters(Map<String, ?> values) {
        for (String name : names) {
            if (!values.containsKey(name)) {
                throw new InvalidInputException("missing_parameter", name,
                        "missing value for parameter :" + name + " (the statement uses " + describe(names) + ")");
            }
        }
        if (values.size() != names.size()) {
            for (String name : values.keySet()) {
                if (!names.contains(name)) {
                    throw new InvalidInputException("unknown_parameter", String.valueOf(name),
                            "unknown parameter " + Identifiers.printable(":" + name)
                                    + " (the statement uses " + describe(names) + ")");
                }
            }
        }
    }

    /**
     * Whether any value is a list to expand ({@link #expand}).
     *
     * @param values the parameter values by name
     * @return whether one of them is a {@link Collection}
     */
    public static boolean hasList(Map<String, ?> values) {
        for (Object value : values.values()) {
            if (value instanceof Collection<?>) {
                return true;
            }
        }
        return false;
    }

    /**
     * This statement with each parameter bound to a {@link Collection} written as one placeholder per element,
     * separated by commas, for {@code IN (:ids)}: the elements are bound as {@code ids[0]}, {@code ids[1]}, ...
     * {@link #sql()} stays the text as written (logs, metrics and the query cache's table tags read it).
     *
     * @param values the parameter values by name, checked by {@link #checkParameters(Map)}
     * @param backslashEscapes as for {@link #parse(String, boolean, boolean)}
     * @param doubledQuestionMark as for {@link #parse(String, boolean, boolean)}
     * @return the statement and its values, each element under its own name
     * @throws InvalidInputException for an empty list ({@code IN ()} is not SQL), or a statement whose placeholders
     *     would pass {@link #MAX_PLACEHOLDERS}
     */
    public Expanded expand(Map<String, ?> values, boolean backslashEscapes, boolean doubledQuestionMark) {
        Map<String, Integer> sizes = new HashMap<>();
        Map<String, @Nullable Object> expanded = new LinkedHashMap<>();
        long placeholders = parameters.size();
        for (Map.Entry<String, ?> entry : values.entrySet()) {
            String name = entry.getKey();
            if (!(entry.getValue() instanceof Collection<?> list)) {
                expanded.put(name, entry.getValue());
                continue;
            }
            if (list.isEmpty()) {
                throw new InvalidInputException("invalid_value", name, "value of :" + name + " is an empty list,"
                        + " and IN () is not SQL: skip the statement when there is nothing to match");
            }
            sizes.put(name, list.size());
            int k = 0;
            for (Object element : list) {
                expanded.put(element(name, k++), element);
            }
            placeholders += (long) (list.size() - 1) * Collections.frequency(parameters, name);
        }
        if (placeholders > MAX_PLACEHOLDERS) {
            throw new InvalidInputException("invalid_value", sizes.keySet().iterator().next(), "the lists make "
                    + placeholders + " placeholders, more than the " + MAX_PLACEHOLDERS + " every database takes in"
                    + " one statement: split them, or write the keys to a table and join it");
        }
        return new Expanded(scan(sql, backslashEscapes, doubledQuestionMark, sizes), expanded);
    }

    /**
     * A statement with its lists expanded.
     *
     * @param sql the statement, one placeholder per element
     * @param values the values by placeholder name
     */
    public record Expanded(NamedSql sql, Map<String, @Nullable Object> values) {
    }

    /** Whether the text so far ends with {@code ANY(}, {@code ALL(} or {@code SOME(}, spaces allowed. */
    private static boolean afterArrayComparison(CharSequence text) {
        int end = text.length();
        while (end > 0 && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        if (end == 0 || text.charAt(end - 1) != '(') {
            return false;
        }
        end--;
        while (end > 0 && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        int start = end;
        while (start > 0 && Character.isLetter(text.charAt(start - 1))) {
            start--;
        }
        String word = text.subSequence(start, end).toString();
        return word.equalsIgnoreCase("any") || word.equalsIgnoreCase("all") || word.equalsIgnoreCase("some");
    }

    private static String element(String name, int index) {
        return name + "[" + index + "]";
    }

    private static String describe(Set<String> names) {
        if (names.isEmpty()) {
            return "no parameters";
        }
        StringBuilder text = new StringBuilder();
        for (String name : names) {
            text.append(text.isEmpty() ? ":" : ", :").append(name);
        }
        return text.toString();
    }

    private static NamedSql scan(String sql, boolean backslashEscapes, boolean doubledQuestionMark,
            Map<String, Integer> listSizes) {
        StringBuilder out = new StringBuilder(sql.length());
        List<String> parameters = new ArrayList<>();
        int length = sql.length();
        int i = 0;
        while (i < length) {
            char c = sql.charAt(i);
            switch (c) {
                case '\'', '"', '`' -> {
                    int end = SqlLexer.skipQuoted(sql, i, c, backslashEscapes && c != '`');
                    out.append(sql, i, end);
                    i = end;
                }
                case 'E', 'e' -> {
                    // PostgreSQL escape string E'...': backslashes escape whatever the dialect
                    if (i + 1 < length && sql.charAt(i + 1) == '\''
                            && (i == 0 || !SqlLexer.isNamePart(sql.charAt(i - 1)))) {
                        int end = SqlLexer.skipQuoted(sql, i + 1, '\'', true);
                        out.append(sql, i, end);
                        i = end;
                    } else {
                        out.append(c);
                        i++;
                    }
                }
                case '-' -> {
                    if (i + 1 < length && sql.charAt(i + 1) == '-') {
                        int end = sql.indexOf('\n', i);
                        end = end < 0 ? length : end;
                        out.append(sql, i, end);
                        i = end;
                    } else {
                        out.append(c);
                        i++;
                    }
                }
                case '/' -> {
                    if (i + 1 < length && sql.charAt(i + 1) == '*') {
                        int end = sql.indexOf("*/", i + 2);
                        if (end < 0) {
                            throw SqlLexer.unterminated("comment");
                        }
                        out.append(sql, i, end + 2);
                        i = end + 2;
                    } else {
                        out.append(c);
                        i++;
                    }
                }
                case '$' -> {
                    // a$b is an identifier, not the start of a dollar quote
                    int end = i > 0 && SqlLexer.isNamePart(sql.charAt(i - 1)) ? i + 1
                            : SqlLexer.skipDollarQuoted(sql, i);
                    out.append(sql, i, end);
                    i = end;
                }
                case '?' -> {
                    if (!doubledQuestionMark || i + 1 >= length || sql.charAt(i + 1) != '?') {
                        throw new InvalidInputException("invalid_sql", "sql",
                                "positional '?' parameters are not supported; use :name" + (doubledQuestionMark
                                        ? " (write the ?, ?| and ?& operators as ??, ??| and ??&)" : ""));
                    }
                    out.append("??");
                    i += 2;
                }
                case ':' -> {
                    if (i + 1 < length && sql.charAt(i + 1) == ':') {
                        out.append("::");
                        i += 2;
                    } else if (i + 1 < length && SqlLexer.isNameStart(sql.charAt(i + 1))) {
                        int end = i + 2;
                        while (end < length && SqlLexer.isNamePart(sql.charAt(end))) {
                            end++;
                        }
                        String name = sql.substring(i + 1, end);
                        Integer size = listSizes.get(name);
                        if (size == null) {
                            parameters.add(name);
                            out.append('?');
                        } else {
                            if (afterArrayComparison(out)) {
                                throw new InvalidInputException("invalid_value", name, "value of :" + name + " is a"
                                        + " list, which is written as one placeholder per element: use it as IN (:"
                                        + name + "), not inside ANY(...) or ALL(...), which take one array");
                            }
                            for (int k = 0; k < size; k++) {
                                parameters.add(element(name, k));
                                out.append(k == 0 ? "?" : ", ?");
                            }
                        }
                        i = end;
                    } else {
                        out.append(c);
                        i++;
                    }
                }
                default -> {
                    out.append(c);
                    i++;
                }
            }
        }
        return new NamedSql(sql, out.toString(), List.copyOf(parameters),
                Collections.unmodifiableSet(new LinkedHashSet<>(parameters)));
    }





}
