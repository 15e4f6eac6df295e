package io.shardcache.sharding.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
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
 * <p><b>Jackson writes and parses the text</b>: jackson-core's streaming generator and parser, without data
 * binding, since the values are the JDK's own types. What stays here is the walk over the Java values, which
 * checks each one and names the attribute's path when it refuses one, as no serializer does.
 *
 * <p><b>What PostgreSQL refuses</b> is refused here first, with the attribute's path: {@code jsonb} cannot hold
 * {@code \u0000}, and a lone UTF-16 surrogate would reach the server as {@code ?}. NaN and infinities are not
 * JSON. A structure nested deeper than {@link #MAX_DEPTH} (usually a map that contains itself) is refused
 * instead of overflowing the stack.
 *
 * <p><b>Reading</b> gives {@code LinkedHashMap}s in the text's key order and {@code ArrayList}s, wrapped
 * unmodifiable; integers as {@code Long} (or {@code BigInteger} past {@code long}); other numbers as
 * {@code BigDecimal}, exactly as {@code jsonb} kept them. The parser refuses nesting deeper than
 * {@link #MAX_DEPTH}, but not long numbers, strings or keys: the text is {@code jsonb}'s output, and a
 * {@code numeric} it holds may print with thousands of digits ({@code 1e1000} does). Stateless; thread-safe.
 */
public final class JsonText {

    /** Levels of nested maps and lists accepted, in both directions. */
    public static final int MAX_DEPTH = 200;

    private static final JsonFactory JSON = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(MAX_DEPTH)
            .maxNumberLength(Integer.MAX_VALUE)
            .maxStringLength(Integer.MAX_VALUE)
            .maxNameLength(Integer.MAX_VALUE)
            .build())
        .build();

    private JsonText() {
    }

    /**
     * The JSON object text of {@code attributes}.
     *
     * @throws IllegalArgumentException naming the attribute's path and type when a value is not JSON-safe
     */
    public static String write(Map<String, ?> attributes) {
        StringWriter out = new StringWriter(64);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            writeValue(attributes, "", 0, g);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to a string", e);   // a StringWriter does not fail
        }
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
    @SuppressWarnings("unchecked")
    public static Map<String, Object> readObject(String text) {
        try (JsonParser p = JSON.createParser(text)) {
            Map<String, Object> m;
            try {
                if (p.nextToken() != JsonToken.START_OBJECT)
                    throw malformed(text, p.currentTokenLocation(), "expected a JSON object", null);
                m = (Map<String, Object>) Objects.requireNonNull(readValue(p), "JSON object");
            } catch (JsonProcessingException e) {
                throw malformed(text, locationOf(e, p), e.getOriginalMessage(), e);
            }
            try {
                if (p.nextToken() == null)
                    return m;
                throw malformed(text, p.currentTokenLocation(), "unexpected text after the JSON object", null);
            } catch (JsonProcessingException e) {
                throw malformed(text, locationOf(e, p), "unexpected text after the JSON object", e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading JSON from a string", e);   // only a close could get here
        }
    }

    // ---- writing ----

    private static void writeValue(@Nullable Object v, String path, int depth, JsonGenerator g) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case String s -> {
                checkString(s, path);
                g.writeString(s);
            }
            case Boolean b -> g.writeBoolean(b);
            case BigInteger i -> g.writeNumber(i);
            case Number n when isIntegral(n) -> g.writeNumber(n.longValue());
            case Double d -> {
                checkFinite(d.isNaN() || d.isInfinite(), d, path);
                g.writeNumber(d.doubleValue());
            }
            case Float f -> {
                checkFinite(f.isNaN() || f.isInfinite(), f, path);
                g.writeNumber(f.floatValue());   // Float.toString: 1.1f is 1.1, not 1.100000023841858
            }
            case BigDecimal d -> g.writeNumber(d);
            case Map<?, ?> m -> {
                checkDepth(depth, path);
                g.writeStartObject();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    String key = key(e.getKey(), path);
                    String child = child(path, key);
                    checkString(key, child);
                    g.writeFieldName(key);
                    writeValue(e.getValue(), child, depth + 1, g);
                }
                g.writeEndObject();
            }
            case List<?> l -> {
                checkDepth(depth, path);
                g.writeStartArray();
                for (int i = 0; i < l.size(); i++)
                    writeValue(l.get(i), path + "[" + i + "]", depth + 1, g);
                g.writeEndArray();
            }
            default -> throw notJsonSafe(v, path);
        }
    }

    private static @Nullable Object copy(@Nullable Object v, String path, int depth) {
        return switch (v) {
            case null -> null;
            case String s -> {
                checkString(s, path);
                yield s;
            }
            case Boolean b -> b;
            case Number n when isIntegral(n) || n instanceof BigDecimal -> n;
            case Double d -> {
                checkFinite(d.isNaN() || d.isInfinite(), d, path);
                yield d;
            }
            case Float f -> {
                checkFinite(f.isNaN() || f.isInfinite(), f, path);
                yield f;
            }
            case Map<?, ?> m -> {
                checkDepth(depth, path);
                Map<String, @Nullable Object> out = new LinkedHashMap<>(Math.max(4, m.size() * 2));
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    String key = key(e.getKey(), path);
                    checkString(key, child(path, key));
                    out.put(key, copy(e.getValue(), child(path, key), depth + 1));
                }
                yield Collections.unmodifiableMap(out);
            }
            case List<?> l -> {
                checkDepth(depth, path);
                List<@Nullable Object> out = new ArrayList<>(l.size());
                for (int i = 0; i < l.size(); i++)
                    out.add(copy(l.get(i), path + "[" + i + "]", depth + 1));
                yield Collections.unmodifiableList(out);
            }
            default -> throw notJsonSafe(v, path);
        };
    }

    // ---- reading ----

    /** The value at the parser's current token, which the parser's depth limit keeps this recursion within. */
    private static @Nullable Object readValue(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        return switch (t) {
            case START_OBJECT -> {
                Map<String, @Nullable Object> m = new LinkedHashMap<>();
                for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
                    p.nextToken();
                    m.put(key, readValue(p));
                }
                yield Collections.unmodifiableMap(m);
            }
            case START_ARRAY -> {
                List<@Nullable Object> l = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY)
                    l.add(readValue(p));
                yield Collections.unmodifiableList(l);
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue() : p.getLongValue();
            case VALUE_NUMBER_FLOAT -> p.getDecimalValue();   // from the text, never through double: 1e400 stays 1E+400
            case VALUE_TRUE -> true;
            case VALUE_FALSE -> false;
            case VALUE_NULL -> null;
            default -> throw new IllegalStateException("JSON parser gave " + t + " where a value starts");
        };
    }

    /** Where the parser failed; a broken constraint (nesting too deep) carries no location of its own. */
    private static JsonLocation locationOf(JsonProcessingException e, JsonParser p) {
        JsonLocation at = e.getLocation();
        return at != null ? at : p.currentLocation();
    }

    private static IllegalArgumentException malformed(String text, JsonLocation at, String problem,
                                                      @Nullable Exception cause) {
        int offset = (int) Math.max(0, Math.min(text.length(), at.getCharOffset()));
        String near = text.substring(Math.max(0, offset - 20), Math.min(text.length(), offset + 20));
        return new IllegalArgumentException("malformed JSON at offset " + offset + ": " + problem
            + " (near '" + near + "')", cause);
    }

    // ---- checking ----

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
