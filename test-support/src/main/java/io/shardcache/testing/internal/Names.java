package io.shardcache.testing.internal;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * Unique names for per-test schemas and Redis key prefixes. Not for use outside shardcache's test-support.
 *
 * <p>Uniqueness must hold across JVMs (parallel builds share one server), so the random part comes from
 * {@link SecureRandom}, not from a generator seeded by the clock.
 */
public final class Names {
    /** PostgreSQL truncates identifiers longer than NAMEDATALEN - 1 bytes. */
    static final int MAX_IDENTIFIER = 63;
    private static final int RANDOM_BYTES = 6;
    private static final RandomGenerator RANDOM = new SecureRandom();

    private Names() {
    }

    /** {@code t_<hint>_<12 hex>}: lower case, a valid unquoted identifier, at most 63 characters. */
    public static String schemaName(String hint) {
        return schemaName(hint, RANDOM);
    }

    static String schemaName(String hint, RandomGenerator random) {
        String suffix = "_" + randomHex(random);
        String middle = clean(hint.toLowerCase(Locale.ROOT), "[^a-z0-9]+", "_");
        int room = MAX_IDENTIFIER - "t_".length() - suffix.length();
        return "t_" + cut(middle.isEmpty() ? "test" : middle, room) + suffix;
    }

    /** {@code t:<test name>:<12 hex>:}. */
    public static String redisPrefix(String testName) {
        return redisPrefix(testName, RANDOM);
    }

    static String redisPrefix(String testName, RandomGenerator random) {
        String middle = clean(testName == null ? "" : testName, "[^A-Za-z0-9_.-]+", "_");
        return "t:" + cut(middle.isEmpty() ? "test" : middle, 60) + ":" + randomHex(random) + ":";
    }

    private static String clean(String text, String disallowed, String replacement) {
        return text.replaceAll(disallowed, replacement).replaceAll("^_+|_+$", "");
    }

    private static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max).replaceAll("_+$", "");
    }

    private static String randomHex(RandomGenerator random) {
        byte[] bytes = new byte[RANDOM_BYTES];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
