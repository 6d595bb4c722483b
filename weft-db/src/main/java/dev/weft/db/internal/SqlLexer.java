package dev.weft.db.internal;

import dev.weft.core.InvalidInputException;

/**
 * The lexical pieces weft's SQL scanners share: skipping quoted text and PostgreSQL dollar quotes, and the
 * characters of an unquoted name. Stateless.
 */
public final class SqlLexer {
    private SqlLexer() {
    }

    /**
     * @param sql SQL text
     * @param start the index of the opening quote
     * @param quote the quote character ({@code '}, {@code "} or {@code `}); doubled, it stands for itself
     * @param backslashEscapes whether a backslash escapes the next character
     * @return the index just after the closing quote
     * @throws InvalidInputException if the quote is never closed
     */
    public static int skipQuoted(String sql, int start, char quote, boolean backslashEscapes) {
        int i = start + 1;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (backslashEscapes && c == '\\') {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        throw unterminated(quote == '\'' ? "string literal" : "quoted identifier");
    }

    /**
     * @param sql SQL text
     * @param start the index of a {@code $}
     * @return the index just after the closing {@code $tag$}, or {@code start + 1} if this {@code $} opens no
     *     dollar quote ({@code $1}, a lone {@code $})
     * @throws InvalidInputException if the dollar quote is never closed
     */
    public static int skipDollarQuoted(String sql, int start) {
        int tagEnd = start + 1;
        while (tagEnd < sql.length() && isNamePart(sql.charAt(tagEnd))) {
            tagEnd++;
        }
        if (tagEnd >= sql.length() || sql.charAt(tagEnd) != '$'
                || (tagEnd > start + 1 && Character.isDigit(sql.charAt(start + 1)))) {
            return start + 1;
        }
        String tag = sql.substring(start, tagEnd + 1);
        int close = sql.indexOf(tag, tagEnd + 1);
        if (close < 0) {
            throw unterminated("dollar-quoted string " + tag);
        }
        return close + tag.length();
    }

    /**
     * @param c a character
     * @return whether an unquoted name may start with it
     */
    public static boolean isNameStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    /**
     * @param c a character
     * @return whether an unquoted name may contain it
     */
    public static boolean isNamePart(char c) {
        return isNameStart(c) || (c >= '0' && c <= '9');
    }

    /**
     * @param what what was left open
     * @return the error for it
     */
    public static InvalidInputException unterminated(String what) {
        return new InvalidInputException("invalid_sql", "sql", "unterminated " + what + " in SQL text");
    }
}
