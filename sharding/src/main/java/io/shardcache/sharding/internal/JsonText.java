package io.shardcache.sharding.internal;

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
 * JSON text for entity attributes, restricted to the JSON-safe Java values: {@code String}, {@code Boolean},
 * {@code null}, the JDK's numbers ({@code Byte, Short, Integer, Long, Float, Double, BigInteger, BigDecimal}),
 * and {@code Map<String, ?>} / {@code List<?>} of those.
 *
 * <p><b>Why not a library.</b> jOOQ's {@code org.jooq.tools.json} (a shaded json-simple) is deprecated for
 * removal in jOOQ 3.21 "without replacement", and its parser throws {@code NumberFormatException} on an
 * integer beyond {@code long}, which {@code jsonb} stores happily. Adding Jackson or Gson to every user of the
 * sharding module for one map type is worse than this small, closed codec.
 *
 * <p><b>What PostgreSQL refuses</b> is refused here first, with the attribute's path: {@code jsonb} cannot hold
 * {@code \u0000}, and a lone UTF-16 surrogate would reach the server as {@code ?}. NaN and infinities are not
 * JSON. A structure nested deeper than {@link #MAX_DEPTH} (usually a map that contains itself) is refused
 * instead of overflowing the stack.
 *
 * <p><b>Reading</b> gives {@code LinkedHashMap}s in the text's key order and {@code ArrayList}s, wrapped
 * unmodifiable; integers as {@code Long} (or {@code BigInteger} past {@code long}); other numbers as
 * {@code BigDecimal}, exactly as {@code jsonb} kept them. Stateless; thread-safe.
 */
public final class JsonText {

    /** Levels of nested maps and lists accepted, in both directions. */
    public static final int MAX_DEPTH = 200;

    private JsonText() {
    }

    /**
     * The JSON object text of {@code attributes}.
     *
     * @throws IllegalArgumentException naming the attribute's path and type when a value is not JSON-safe
     */
    public static String write(Map<String, ?> attributes) {
        StringBuilder out = new StringBuilder(64);
        writeValue(attributes, "", 0, out);
        return out.toString();
    }

    /**
     * A deep, unmodifiable copy of {@code attributes} ({@code null} values kept), checked as {@link #write} does.
     *
     * @throws IllegalArgumentException as {@link #write(Map)}
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> immutableCopy(Map<String, ?> attributes) {
        return (Map<String, Object>) Objects.requireNonNull(copy(attributes, "", 0), "copy of the attributes");
    }

    /**
     * Parses a JSON object.
     *
     * @throws IllegalArgumentException if {@code text} is not one JSON object, with the offset of the problem
     */
    public static Map<String, Object> readObject(String text) {
        return new JsonReader(text).object();
    }

    // ---- writing ----

    private static void writeValue(@Nullable Object v, String path, int depth, StringBuilder out) {
        switch (v) {
            case null -> out.append("null");
            case String s -> writeString(s, path, out);
            case Boolean b -> out.append(b.booleanValue());
            case Number n when isIntegral(n) -> out.append(n);
            case Double d -> {
                checkFinite(d.isNaN() || d.isInfinite(), d, path);
                out.append(d.doubleValue());
            }
            case Float f -> {
                checkFinite(f.isNaN() || f.isInfinite(), f, path);
                out.append(f.floatValue());   // Float.toString: 1.1f is 1.1, not 1.100000023841858
            }
            case BigDecimal d -> out.append(d);
            case Map<?, ?> m -> {
                checkDepth(depth, path);
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    String key = key(e.getKey(), path);
                    if (!first)
                        out.append(',');
                    first = false;
                    String child = child(path, key);
                    writeString(key, child, out);
                    out.append(':');
                    writeValue(e.getValue(), child, depth + 1, out);
                }
                out.append('}');
            }
            case List<?> l -> {
                checkDepth(depth, path);
                out.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0)
                        out.append(',');
                    writeValue(l.get(i), path + "[" + i + "]", depth + 1, out);
                }
                out.append(']');
            }
            default -> throw notJsonSafe(v, path);
        }
    }

    private static @Nullable Object copy(@Nullable Object v, String path, int depth) {
        switch (v) {
            case null -> {
                return null;
            }
            case String s -> {
                checkString(s, path);
                return s;
            }
            case Boolean b -> {
                return b;
            }
            case Number n when isIntegral(n) || n instanceof BigDecimal -> {
                return n;
            }
            case Double d -> {
                checkFinite(d.isNaN() || d.isInfinite(), d, path);
                return d;
            }
            case Float f -> {
                checkFinite(f.isNaN() || f.isInfinite(), f, path);
                return f;
            }
            case Map<?, ?> m -> {
                checkDepth(depth, path);
                Map<String, @Nullable Object> out = new LinkedHashMap<>(Math.max(4, m.size() * 2));
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    String key = key(e.getKey(), path);
                    checkString(key, child(path, key));
                    out.put(key, copy(e.getValue(), child(path, key), depth + 1));
                }
                return Collections.unmodifiableMap(out);
            }
            case List<?> l -> {
                checkDepth(depth, path);
                List<@Nullable Object> out = new ArrayList<>(l.size());
                for (int i = 0; i < l.size(); i++)
                    out.add(copy(l.get(i), path + "[" + i + "]", depth + 1));
                return Collections.unmodifiableList(out);
            }
            default -> throw notJsonSafe(v, path);
        }
    }

    private static boolean isIntegral(Number n) {
        return n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte
            || n instanceof BigInteger;
    }

    private static String key(@Nullable Object key, String path) {
        if (key instanceof String s)
            return s;
        throw new IllegalArgumentException("attribute " + describe(path) + " is a map with a "
            + (key == null ? "null key" : "key of type " + key.getClass().getName() + " (" + key + ")")
            + ": JSON object keys are strings");
    }

    private static void writeString(String s, String path, StringBuilder out) {
        checkString(s, path);
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20)
                        out.append(String.format("\\u%04x", (int) c));
                    else
                        out.append(c);
                }
            }
        }
        out.append('"');
    }

    private static void checkString(String s, String path) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0)
                throw new IllegalArgumentException("attribute " + describe(path) + " contains the NUL character"
                    + " (U+0000) at index " + i + ", which PostgreSQL's jsonb cannot store");
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                throw new IllegalArgumentException("attribute " + describe(path) + " contains an unpaired UTF-16"
                    + " surrogate at index " + i + ", which is not text and cannot be stored as UTF-8");
            }
        }
    }

    private static void checkFinite(boolean notFinite, Number n, String path) {
        if (notFinite)
            throw new IllegalArgumentException("attribute " + describe(path) + " is " + n
                + ", which JSON cannot represent: store null or a string instead");
    }

    private static void checkDepth(int depth, String path) {
        if (depth >= MAX_DEPTH)
            throw new IllegalArgumentException("attribute " + describe(path) + " is nested more than " + MAX_DEPTH
                + " levels deep; does a map or list contain itself?");
    }

    private static IllegalArgumentException notJsonSafe(Object v, String path) {
        return new IllegalArgumentException("attribute " + describe(path) + " has type " + v.getClass().getName()
            + ", which is not JSON-safe: use String, Boolean, null, Integer, Long, Short, Byte, Double, Float,"
            + " BigInteger, BigDecimal, or a Map<String, ?> or List<?> of those (convert dates, UUIDs and enums"
            + " to strings yourself)");
    }

    private static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static String describe(String path) {
        return path.isEmpty() ? "map (the top level)" : "'" + path + "'";
    }
}
