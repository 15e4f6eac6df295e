package io.shardcache.query.internal;

/**
 * Decides from the SQL text jOOQ is about to execute whether a statement is a plain read that may
 * be cached. The text is the truth of what runs, whatever API built it (a jOOQ {@code Select},
 * plain SQL, {@code INSERT ... RETURNING} which jOOQ also calls a result query).
 *
 * <p>A cacheable read starts with {@code SELECT}, {@code VALUES}, {@code TABLE} or {@code WITH}, and
 * nowhere outside literals, quoted identifiers and comments contains a word that writes or locks:
 * {@code INSERT UPDATE DELETE MERGE TRUNCATE INTO} (a data-modifying CTE, {@code SELECT INTO}) or
 * {@code FOR SHARE} / {@code FOR KEY SHARE} / {@code FOR UPDATE} (row locks only make sense inside
 * a transaction), no second statement after a {@code ;}, and no call of a function whose effect is
 * the point: sequences ({@code nextval setval currval lastval}), advisory locks
 * ({@code pg_advisory_*}, {@code pg_try_advisory_*}), {@code set_config}, {@code pg_notify}.
 * Caching {@code select nextval('s')} would hand every caller the same id. Everything else passes
 * straight through to the database.
 *
 * <p>PostgreSQL lexing: {@code '...'} (with {@code ''}), {@code E'...'} (with backslash escapes),
 * {@code "..."}, dollar quotes {@code $tag$...$tag$}, {@code --} and nested block comments.
 * Stateless; one pass over the text without allocating: it runs on every cached read.
 */
final class SqlClassifier {

    private SqlClassifier() {
    }

    static boolean isCacheableRead(String sql) {
        int n = sql.length();
        int i = 0;
        boolean first = true;
        boolean afterFor = false;   // the previous word was FOR (or FOR KEY): SHARE then locks rows
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int eol = sql.indexOf('\n', i);
                i = eol < 0 ? n : eol + 1;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                i = skipBlockComment(sql, i);
            } else if (c == '\'') {
                boolean escapes = i > 0 && (sql.charAt(i - 1) == 'E' || sql.charAt(i - 1) == 'e')
                    && (i < 2 || !isWordChar(sql.charAt(i - 2)));
                i = escapes ? skipEscaped(sql, i) : skipQuoted(sql, i, '\'');
            } else if (c == '"') {
                i = skipQuoted(sql, i, '"');
            } else if (c == '$' && (i == 0 || !isWordChar(sql.charAt(i - 1)))) {
                i = skipDollarQuote(sql, i);
            } else if (c == ';') {
                if (hasMoreThanWhitespace(sql, i + 1))
                    return false;   // a second statement
                i++;
            } else if (Character.isLetter(c) || c == '_') {
                int start = i;
                while (i < n && isWordChar(sql.charAt(i)))
                    i++;
                int len = i - start;
                if (first) {
                    if (!(is(sql, start, len, "select") || is(sql, start, len, "with")
                          || is(sql, start, len, "values") || is(sql, start, len, "table")))
                        return false;
                    first = false;
                } else if (writesOrLocks(sql, start, len, afterFor) || (calls(sql, i) && hasEffects(sql, start, len))) {
                    return false;
                }
                afterFor = is(sql, start, len, "for") || (afterFor && is(sql, start, len, "key"));
            } else {
                i++;
            }
        }
        return !first;
    }

    /** INSERT UPDATE DELETE MERGE TRUNCATE INTO anywhere, or SHARE right after FOR / FOR KEY. */
    private static boolean writesOrLocks(String sql, int start, int len, boolean afterFor) {
        return switch (len) {
            case 4 -> is(sql, start, len, "into");
            case 5 -> is(sql, start, len, "merge") || (afterFor && is(sql, start, len, "share"));
            case 6 -> is(sql, start, len, "insert") || is(sql, start, len, "update") || is(sql, start, len, "delete");
            case 8 -> is(sql, start, len, "truncate");
            default -> false;
        };
    }

    /** A function whose call changes state: sequences, advisory locks, settings, notifications. */
    private static boolean hasEffects(String sql, int start, int len) {
        return is(sql, start, len, "nextval") || is(sql, start, len, "setval") || is(sql, start, len, "currval")
            || is(sql, start, len, "lastval") || is(sql, start, len, "set_config") || is(sql, start, len, "pg_notify")
            || (len > 12 && sql.regionMatches(true, start, "pg_advisory_", 0, 12))
            || (len > 16 && sql.regionMatches(true, start, "pg_try_advisory_", 0, 16));
    }

    /** The word that ended before {@code end} is followed by an opening parenthesis. */
    private static boolean calls(String sql, int end) {
        int n = sql.length();
        while (end < n && Character.isWhitespace(sql.charAt(end)))
            end++;
        return end < n && sql.charAt(end) == '(';
    }

    /** Anything but white space and comments after {@code from}. */
    private static boolean hasMoreThanWhitespace(String sql, int from) {
        int n = sql.length();
        int i = from;
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c) || c == ';') {
                i++;
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int eol = sql.indexOf('\n', i);
                i = eol < 0 ? n : eol + 1;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                i = skipBlockComment(sql, i);
            } else {
                return true;
            }
        }
        return false;
    }

    private static boolean is(String sql, int start, int len, String keyword) {
        return len == keyword.length() && sql.regionMatches(true, start, keyword, 0, len);
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    private static int skipBlockComment(String sql, int i) {
        int depth = 0;
        int n = sql.length();
        while (i < n) {
            if (sql.startsWith("/*", i)) {
                depth++;
                i += 2;
            } else if (sql.startsWith("*/", i)) {
                depth--;
                i += 2;
                if (depth == 0)
                    return i;
            } else {
                i++;
            }
        }
        return n;
    }

    /** Past a quoted text in which the quote is escaped by doubling it. */
    private static int skipQuoted(String sql, int i, char quote) {
        int n = sql.length();
        int j = i + 1;
        while (true) {
            int close = sql.indexOf(quote, j);
            if (close < 0)
                return n;
            if (close + 1 < n && sql.charAt(close + 1) == quote)
                j = close + 2;
            else
                return close + 1;
        }
    }

    /** Past an {@code E'...'} string, where a backslash also escapes. */
    private static int skipEscaped(String sql, int i) {
        int n = sql.length();
        i++;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (c == '\'') {
                if (i + 1 < n && sql.charAt(i + 1) == '\'')
                    i += 2;
                else
                    return i + 1;
            } else {
                i++;
            }
        }
        return n;
    }

    private static int skipDollarQuote(String sql, int i) {
        int n = sql.length();
        int j = i + 1;
        while (j < n && (Character.isLetterOrDigit(sql.charAt(j)) || sql.charAt(j) == '_'))
            j++;
        if (j >= n || sql.charAt(j) != '$')
            return i + 1;   // a positional parameter like $1, not a dollar quote
        String tag = sql.substring(i, j + 1);
        int end = sql.indexOf(tag, j + 1);
        return end < 0 ? n : end + tag.length();
    }
}
