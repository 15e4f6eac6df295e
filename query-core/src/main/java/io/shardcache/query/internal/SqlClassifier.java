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
 * a transaction). Everything else passes straight through to the database.
 *
 * <p>PostgreSQL lexing: {@code '...'} (with {@code ''}), {@code E'...'} (with backslash escapes),
 * {@code "..."}, dollar quotes {@code $tag$...$tag$}, {@code --} and nested block comments.
 * Stateless; one pass over the text, no allocation but the keyword comparison.
 */
final class SqlClassifier {

    private SqlClassifier() {
    }

    static boolean isCacheableRead(String sql) {
        int n = sql.length();
        int i = 0;
        boolean first = true;
        String previous = null;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                while (i < n && sql.charAt(i) != '\n') i++;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                i = skipBlockComment(sql, i);
            } else if (c == '\'') {
                boolean escapes = i > 0 && (sql.charAt(i - 1) == 'E' || sql.charAt(i - 1) == 'e')
                    && (i < 2 || !Character.isLetterOrDigit(sql.charAt(i - 2)));
                i = skipQuoted(sql, i, '\'', escapes);
            } else if (c == '"') {
                i = skipQuoted(sql, i, '"', false);
            } else if (c == '$' && (i == 0 || !isWordChar(sql.charAt(i - 1)))) {
                i = skipDollarQuote(sql, i);
            } else if (Character.isLetter(c) || c == '_') {
                int start = i;
                while (i < n && isWordChar(sql.charAt(i))) i++;
                String word = sql.substring(start, i).toLowerCase(java.util.Locale.ROOT);
                if (first) {
                    if (!(word.equals("select") || word.equals("with") || word.equals("values") || word.equals("table")))
                        return false;
                    first = false;
                } else {
                    switch (word) {
                        case "insert", "update", "delete", "merge", "truncate", "into":
                            return false;
                        case "share":
                            if ("for".equals(previous) || "key".equals(previous))
                                return false;
                            break;
                        default:
                            break;
                    }
                }
                previous = word;
            } else {
                i++;
            }
        }
        return !first;
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

    private static int skipQuoted(String sql, int i, char quote, boolean backslashEscapes) {
        int n = sql.length();
        i++;
        while (i < n) {
            char c = sql.charAt(i);
            if (backslashEscapes && c == '\\') {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < n && sql.charAt(i + 1) == quote)
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
