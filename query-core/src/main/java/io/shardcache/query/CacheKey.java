package io.shardcache.query;

import java.util.HexFormat;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The key of one cached result, as shown to listeners and returned by
 * {@link CachingDSL#keyOf(String, org.jooq.ResultQuery)}.
 *
 * <p>{@link #hash()} is the SHA-1 (hex) of the key material: the rendered SQL with placeholders,
 * each bind value with its type, the dialect and render mapping, the logical shard or scope, and
 * the codec version (or a custom key in place of SQL and binds). {@link #fingerprint()} is an
 * independent digest of the statement, stored in the entry and checked on every read.
 * {@link #describe()} renders the material for a person; it is computed on demand.
 *
 * <p>Immutable and thread-safe.
 */
public final class CacheKey {

    private static final HexFormat HEX = HexFormat.of();

    private final String region;
    private final String scope;
    private final String hash;
    private final byte[] fingerprint;
    private final Supplier<String> description;

    /** Created by shardcache; exposed for listeners and tests. */
    public CacheKey(String region, String scope, String hash, byte[] fingerprint, Supplier<String> description) {
        this.region = Objects.requireNonNull(region, "region");
        this.scope = Objects.requireNonNull(scope, "scope");
        this.hash = Objects.requireNonNull(hash, "hash");
        this.fingerprint = fingerprint.clone();
        this.description = Objects.requireNonNull(description, "description");
    }

    public String region() {
        return region;
    }

    /**
     * The scope the key belongs to: the logical shard of a sharded DSL ({@code <map>/<shard>}), the
     * value of {@link CachingDSL#SCOPE}, or "" for none. Part of the key material.
     */
    public String scope() {
        return scope;
    }

    /** The SHA-1 of the key material, 40 hex digits. */
    public String hash() {
        return hash;
    }

    /** The independent fingerprint checked on read, as hex. */
    public String fingerprint() {
        return HEX.formatHex(fingerprint);
    }

    /** The key material in readable form: context, SQL, binds with their types. */
    public String describe() {
        return description.get();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CacheKey k && k.region.equals(region) && k.hash.equals(hash);
    }

    @Override
    public int hashCode() {
        return region.hashCode() * 31 + hash.hashCode();
    }

    /** {@code region:hash-prefix}, short enough for a log line. */
    @Override
    public String toString() {
        return region + ":" + hash.substring(0, 12);
    }
}
