package io.shardcache.sharding.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random JSON-safe attribute maps for the round-trip tests, and what {@link JsonText#readObject} must give back
 * for them: from the text {@link JsonText#write} made ({@link #asRead}), and from that text after {@code jsonb}
 * kept it ({@link #asJsonbKeepsIt}).
 *
 * <p>The seed is new each run unless {@code -Dshardcache.jsonSeed=N} names one; tests put it in every failure
 * message, so a failure can be run again.
 */
final class RandomAttributes {

    /** Characters that JSON escapes, or that trip UTF-16 and UTF-8 handling; never U+0000, which jsonb refuses. */
    private static final int[] SPECIAL = {'"', '\\', '/', '\b', '\f', '\n', '\r', '\t', 0x01, 0x1F, 0x7F, 0x80,
        0xA0, 0xE9, 0x2028, 0x2029, 0xFEFF, 0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF};

    /** Text that looks like an escape but is not one: the backslash itself must be escaped. */
    private static final String[] FAKE_ESCAPES = {"\\u0041", "\\ud83d\\ude00", "\\n", "\\\\", "\\\"", "\\u0000"};

    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private final Random random;

    RandomAttributes(long seed) {
        this.random = new Random(seed);
    }

    static long seed() {
        return Long.getLong("shardcache.jsonSeed", ThreadLocalRandom.current().nextLong());
    }

    /** A top-level map of up to 8 attributes, nested up to 4 levels below it. */
    Map<String, Object> attributes() {
        return map(4);
    }

    /** A map holding maps and lists in turn, {@code levels} containers deep counting itself. */
    static Map<String, Object> nested(int levels) {
        Object inner = List.of("bottom");
        for (int level = levels - 2; level > 0; level--)   // levels less the top map and the bottom list
            inner = level % 2 == 0 ? List.of(inner) : Map.of("k" + level, inner);
        return Map.of("top", inner);
    }

    private Map<String, Object> map(int levelsBelow) {
        Map<String, Object> m = new LinkedHashMap<>();
        int size = random.nextInt(9);
        for (int i = 0; i < size; i++)
            m.put(string(random.nextInt(4) == 0 ? 0 : 6), value(levelsBelow));
        return m;
    }

    private Object value(int levelsBelow) {
        int kinds = levelsBelow > 0 ? 14 : 12;
        return switch (random.nextInt(kinds)) {
            case 0, 1 -> string(24);
            case 2 -> random.nextBoolean();
            case 3 -> null;
            case 4 -> integral();
            case 5 -> bigInteger();
            case 6, 7 -> bigDecimal();
            case 8 -> aDouble();
            case 9 -> aFloat();
            case 10 -> string(2);
            case 11 -> List.of();
            case 12 -> map(levelsBelow - 1);
            default -> list(levelsBelow - 1);
        };
    }

    private List<Object> list(int levelsBelow) {
        int size = random.nextInt(7);
        List<Object> l = new ArrayList<>(size);
        for (int i = 0; i < size; i++)
            l.add(value(levelsBelow));
        return l;
    }

    private String string(int maxParts) {
        StringBuilder s = new StringBuilder();
        int parts = random.nextInt(maxParts + 1);
        for (int i = 0; i < parts; i++) {
            switch (random.nextInt(6)) {
                case 0 -> s.appendCodePoint(random.nextInt(0x20, 0x7F));
                case 1 -> s.appendCodePoint(SPECIAL[random.nextInt(SPECIAL.length)]);
                case 2 -> s.appendCodePoint(random.nextInt(0x01, 0x20));
                case 3 -> {
                    int c = random.nextInt(0x80, 0x10000 - 0x800);   // the BMP less the surrogates
                    s.appendCodePoint(c < 0xD800 ? c : c + 0x800);
                }
                case 4 -> s.appendCodePoint(random.nextInt(0x10000, Character.MAX_CODE_POINT + 1));
                default -> s.append(FAKE_ESCAPES[random.nextInt(FAKE_ESCAPES.length)]);
            }
        }
        return s.toString();
    }

    private Number integral() {
        return switch (random.nextInt(7)) {
            case 0 -> (byte) random.nextInt();
            case 1 -> (short) random.nextInt();
            case 2 -> random.nextInt();
            case 3 -> random.nextInt(-1000, 1000);
            case 4 -> random.nextBoolean() ? Long.MIN_VALUE : Long.MAX_VALUE;
            default -> random.nextLong();
        };
    }

    /** Mostly past {@code long}, some at its edges and some well inside it. */
    private BigInteger bigInteger() {
        return switch (random.nextInt(5)) {
            case 0 -> LONG_MAX.add(BigInteger.valueOf(random.nextInt(-2, 3)));
            case 1 -> LONG_MIN.add(BigInteger.valueOf(random.nextInt(-2, 3)));
            case 2 -> BigInteger.valueOf(random.nextLong());
            default -> {
                BigInteger b = new BigInteger(random.nextInt(64, 400), random);
                yield random.nextBoolean() ? b.negate() : b;
            }
        };
    }

    /**
     * Any scale, trailing zeros and exponents large enough that {@code jsonb} prints more than a thousand
     * digits, within what {@code numeric} holds (131072 digits before the point, 16383 after).
     */
    private BigDecimal bigDecimal() {
        BigInteger unscaled = new BigInteger(random.nextInt(1, 120), random);
        if (random.nextInt(3) == 0)
            unscaled = unscaled.multiply(BigInteger.TEN.pow(random.nextInt(1, 6)));   // trailing zeros
        if (random.nextBoolean())
            unscaled = unscaled.negate();
        int scale = switch (random.nextInt(4)) {
            case 0 -> random.nextInt(-1500, 1500);
            case 1 -> 0;
            default -> random.nextInt(-20, 21);
        };
        return new BigDecimal(unscaled, scale);
    }

    private double aDouble() {
        return switch (random.nextInt(5)) {
            case 0 -> new double[] {0.1, -0.0, 0.0, 1e-7, 1e21, Double.MIN_VALUE, -Double.MAX_VALUE,
                Double.MIN_NORMAL}[random.nextInt(8)];
            case 1 -> {
                double d;
                do {
                    d = Double.longBitsToDouble(random.nextLong());
                } while (!Double.isFinite(d));
                yield d;
            }
            default -> (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(-12, 13));
        };
    }

    private float aFloat() {
        if (random.nextBoolean())
            return (random.nextFloat() - 0.5f) * (float) Math.pow(10, random.nextInt(-8, 9));
        float f;
        do {
            f = Float.intBitsToFloat(random.nextInt());
        } while (!Float.isFinite(f));
        return f;
    }

    // ---- what reading gives back ----

    /**
     * What {@code readObject(write(v))} gives: integers as {@code Long} (or {@code BigInteger} past it), other
     * numbers as the {@code BigDecimal} of the text they were written as; a {@code BigDecimal} of scale 0 has
     * no point or exponent in its text, so it reads back as an integer.
     */
    static Object asRead(Object v) {
        return normalise(v, false);
    }

    /**
     * What {@code readObject} gives for the text of {@code jsonb} that was given {@code write(v)}: as
     * {@link #asRead}, but {@code numeric} prints without exponent and keeps no negative scale, so a number
     * whose scale is 0 or less comes back as an integer.
     */
    static Object asJsonbKeepsIt(Object v) {
        return normalise(v, true);
    }

    private static Object normalise(Object v, boolean jsonb) {
        return switch (v) {
            case null -> null;
            case Byte b -> b.longValue();
            case Short s -> s.longValue();
            case Integer i -> i.longValue();
            case Long l -> l;
            case BigInteger b -> integer(b);
            case Double d -> decimal(new BigDecimal(Double.toString(d)), jsonb);
            case Float f -> decimal(new BigDecimal(Float.toString(f)), jsonb);
            case BigDecimal d -> d.scale() == 0 ? integer(d.toBigIntegerExact()) : decimal(d, jsonb);
            case Map<?, ?> m -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                m.forEach((key, value) -> out.put(key, normalise(value, jsonb)));
                yield out;
            }
            case List<?> l -> {
                List<Object> out = new ArrayList<>(l.size());
                l.forEach(e -> out.add(normalise(e, jsonb)));
                yield out;
            }
            default -> v;
        };
    }

    private static Object decimal(BigDecimal d, boolean jsonb) {
        return jsonb && d.scale() <= 0 ? integer(d.toBigIntegerExact()) : d;
    }

    private static Number integer(BigInteger b) {
        return b.bitLength() < Long.SIZE ? (Number) b.longValue() : b;
    }

    // ---- comparing in key order ----

    /** {@code v} with every map turned into its entries in order, so that {@code equals} also compares key order. */
    static Object inKeyOrder(Object v) {
        return switch (v) {
            case null -> null;
            case Map<?, ?> m -> {
                List<Field> fields = new ArrayList<>(m.size());
                m.forEach((key, value) -> fields.add(new Field(key, inKeyOrder(value))));
                yield new InOrder(fields);
            }
            case List<?> l -> {
                List<Object> out = new ArrayList<>(l.size());
                l.forEach(e -> out.add(inKeyOrder(e)));
                yield out;
            }
            default -> v;
        };
    }

    record Field(Object key, Object value) {
    }

    record InOrder(List<Field> fields) {
    }
}
