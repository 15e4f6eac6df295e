package io.shardcache.sharding.internal;

import static io.shardcache.sharding.internal.JsonText.MAX_DEPTH;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Reads the JSON text {@link JsonText} describes (in practice PostgreSQL's {@code jsonb} output, but any
 * valid JSON): a recursive descent over the string, building unmodifiable maps and lists. One instance reads
 * one text; not thread-safe.
 */
final class JsonReader {
    private final String s;
    private int pos;

    JsonReader(String s) {
        this.s = s;
    }

    int peek() {
        return pos < s.length() ? s.charAt(pos) : -1;
    }

    void skipSpace() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
                return;
            pos++;
        }
    }

    @Nullable Object value(int depth) {
        skipSpace();
        int c = peek();
        switch (c) {
            case '{' -> {
                checkReadDepth(depth);
                pos++;
                Map<String, @Nullable Object> m = new LinkedHashMap<>();
                skipSpace();
                if (peek() == '}') {
                    pos++;
                    return Collections.unmodifiableMap(m);
                }
                while (true) {
                    skipSpace();
                    if (peek() != '"')
                        throw error("expected a string key");
                    String key = string();
                    skipSpace();
                    expect(':');
                    m.put(key, value(depth + 1));
                    skipSpace();
                    if (peek() == ',') {
                        pos++;
                        continue;
                    }
                    expect('}');
                    return Collections.unmodifiableMap(m);
                }
            }
            case '[' -> {
                checkReadDepth(depth);
                pos++;
                List<@Nullable Object> l = new ArrayList<>();
                skipSpace();
                if (peek() == ']') {
                    pos++;
                    return Collections.unmodifiableList(l);
                }
                while (true) {
                    l.add(value(depth + 1));
                    skipSpace();
                    if (peek() == ',') {
                        pos++;
                        continue;
                    }
                    expect(']');
                    return Collections.unmodifiableList(l);
                }
            }
            case '"' -> {
                return string();
            }
            case 't' -> {
                literal("true");
                return Boolean.TRUE;
            }
            case 'f' -> {
                literal("false");
                return Boolean.FALSE;
            }
            case 'n' -> {
                literal("null");
                return null;
            }
            default -> {
                if (c == '-' || (c >= '0' && c <= '9'))
                    return number();
                throw error(c < 0 ? "unexpected end of text" : "unexpected character '" + (char) c + "'");
            }
        }
    }

    private void checkReadDepth(int depth) {
        if (depth >= MAX_DEPTH)
            throw error("nested more than " + MAX_DEPTH + " levels deep");
    }

    private String string() {
        pos++;   // the opening quote
        StringBuilder out = new StringBuilder();
        while (true) {
            if (pos >= s.length())
                throw error("unterminated string");
            char c = s.charAt(pos++);
            if (c == '"')
                return out.toString();
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (pos >= s.length())
                throw error("unterminated escape");
            char e = s.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> out.append(e);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> {
                    if (pos + 4 > s.length())
                        throw error("short \\u escape");
                    try {
                        out.append((char) Integer.parseInt(s, pos, pos + 4, 16));
                    } catch (NumberFormatException ex) {
                        throw error("bad \\u escape");
                    }
                    pos += 4;
                }
                default -> throw error("bad escape '\\" + e + "'");
            }
        }
    }

    private Number number() {
        int start = pos;
        boolean integral = true;
        if (peek() == '-')
            pos++;
        int digits = pos;
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c >= '0' && c <= '9') {
                pos++;
            } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
                integral = false;
                pos++;
            } else {
                break;
            }
        }
        if (pos == digits)
            throw error("a number needs digits");
        String text = s.substring(start, pos);
        try {
            if (integral) {
                BigInteger i = new BigInteger(text);
                return i.bitLength() < Long.SIZE ? (Number) i.longValue() : i;
            }
            return new BigDecimal(text);
        } catch (NumberFormatException ex) {
            throw error("bad number '" + text + "'");
        }
    }

    private void literal(String word) {
        if (!s.startsWith(word, pos))
            throw error("expected " + word);
        pos += word.length();
    }

    private void expect(char c) {
        if (peek() != c)
            throw error("expected '" + c + "'");
        pos++;
    }

    IllegalArgumentException error(String problem) {
        String near = s.substring(Math.max(0, pos - 20), Math.min(s.length(), pos + 20));
        return new IllegalArgumentException("malformed JSON at offset " + pos + ": " + problem + " (near '" + near + "')");
    }

    /** The whole text as one object: nothing but white space may surround it. */
    @SuppressWarnings("unchecked")
    Map<String, Object> object() {
        skipSpace();
        if (peek() != '{')
            throw error("expected a JSON object");
        Map<String, Object> m = (Map<String, Object>) Objects.requireNonNull(value(0), "JSON object");
        skipSpace();
        if (pos < s.length())
            throw error("unexpected text after the JSON object");
        return m;
    }
}
