package io.shardcache.query;

/**
 * The key of one cached result, as shown to listeners and returned by
 * {@link CachingDSL#keyOf(String, org.jooq.ResultQuery)}. Made by shardcache only.
 *
 * <p>{@link #hash()} is the SHA-1 (hex) of the key material: the rendered SQL with placeholders,
 * each bind value with its type, the dialect and render mapping, the logical shard or scope, and
 * the codec version (or a custom key in place of SQL and binds). {@link #fingerprint()} is an
 * independent digest of the statement, stored in the entry and checked on every read.
 * {@link #describe()} renders the material for a person; it is computed on demand.
 *
 * <p>Two keys are equal when their region and hash are. {@code toString()} is {@code region:hash-prefix},
 * short enough for a log line. Immutable and thread-safe.
 */
public interface CacheKey {

    /** The region the key belongs to. */
    String region();

    /**
     * The scope the key belongs to: the logical shard of a sharded DSL ({@code <map>/<shard>}), the
     * value of {@link CachingDSL#SCOPE}, or "" for none. Part of the key material.
     */
    String scope();

    /** The SHA-1 of the key material, 40 hex digits. */
    String hash();

    /** The independent fingerprint checked on read, as hex. */
    String fingerprint();

    /** The key material in readable form: context, SQL, binds with their types. */
    String describe();
}
