package io.shardcache.sharding.internal;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.IllegalFormatException;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * PostgreSQL identifiers for shard schemas: checking that a pattern yields usable, distinct names, and
 * quoting them for SQL written by hand (templates, metadata).
 *
 * <p>Names are always rendered quoted, so case and most characters survive. What quoting cannot save is
 * checked here: PostgreSQL silently truncates identifiers longer than 63 bytes (two long names could then
 * become the same schema), refuses NUL, and reserves the {@code pg_} prefix for system schemas.
 */
public final class Identifiers {

    /** NAMEDATALEN - 1 in a default PostgreSQL build. */
    public static final int MAX_IDENTIFIER_BYTES = 63;

    private Identifiers() {
    }

    /** {@code "name"} with embedded quotes doubled. */
    public static String quote(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /**
     * The problem with {@code name} as a schema name, or {@code null} when it is fine.
     */
    public static @Nullable String problemWith(String name) {
        if (name.isEmpty())
            return "it is empty";
        if (name.indexOf('\0') >= 0)
            return "it contains a NUL character";
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_IDENTIFIER_BYTES)
            return "it is " + bytes + " bytes long and PostgreSQL truncates identifiers to " + MAX_IDENTIFIER_BYTES
                + " bytes, so distinct names could become the same schema";
        if (name.regionMatches(true, 0, "pg_", 0, 3))
            return "the prefix pg_ is reserved for system schemas";
        if (name.equalsIgnoreCase("information_schema"))
            return "it is the SQL standard's catalog schema";
        return null;
    }

    /**
     * Formats {@code pattern} for every shard in {@code [0, shards)} and checks that each name is a usable
     * identifier and that no two shards share one.
     *
     * @param reserved names no shard may take (the metadata schema), with what they are used for
     * @return the names, indexed by logical shard
     * @throws IllegalArgumentException naming the pattern, the shard and the name that fails
     */
    public static String[] schemaNames(String pattern, int shards, Map<String, String> reserved) {
        String[] names = new String[shards];
        Map<String, Integer> seen = new HashMap<>(shards * 2);
        for (int shard = 0; shard < shards; shard++) {
            String name;
            try {
                name = String.format(Locale.ROOT, pattern, shard);
            } catch (IllegalFormatException e) {
                throw new IllegalArgumentException("schema pattern '" + pattern + "' cannot format logical shard " + shard
                    + ": " + e + "; use one integer conversion such as 'shard_%04d'", e);
            }
            String problem = problemWith(name);
            if (problem != null)
                throw new IllegalArgumentException("schema pattern '" + pattern + "' gives logical shard " + shard
                    + " the schema name '" + name + "', which is not a valid PostgreSQL schema name: " + problem);
            String use = reserved.get(name);
            if (use != null)
                throw new IllegalArgumentException("schema pattern '" + pattern + "' gives logical shard " + shard
                    + " the schema name '" + name + "', which is reserved for " + use);
            Integer other = seen.putIfAbsent(name, shard);
            if (other != null)
                throw new IllegalArgumentException("schema pattern '" + pattern + "' gives logical shards " + other + " and "
                    + shard + " the same schema name '" + name + "'; every logical shard needs its own schema"
                    + " (does the pattern contain an integer conversion such as %04d?)");
            names[shard] = name;
        }
        return names;
    }
}
