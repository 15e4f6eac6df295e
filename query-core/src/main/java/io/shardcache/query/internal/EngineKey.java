package io.shardcache.query.internal;

import io.shardcache.query.CacheKey;
import java.util.HexFormat;
import java.util.Objects;
import java.util.function.Supplier;

/** The engine's {@link CacheKey}: the fingerprint kept as bytes, the description rendered on demand. */
final class EngineKey implements CacheKey {

    private static final HexFormat HEX = HexFormat.of();

    private final String region;
    private final String scope;
    private final String hash;
    private final byte[] fingerprint;
    private final Supplier<String> description;

    EngineKey(String region, String scope, String hash, byte[] fingerprint, Supplier<String> description) {
        this.region = Objects.requireNonNull(region, "region");
        this.scope = Objects.requireNonNull(scope, "scope");
        this.hash = Objects.requireNonNull(hash, "hash");
        this.fingerprint = fingerprint.clone();
        this.description = Objects.requireNonNull(description, "description");
    }

    @Override
    public String region() {
        return region;
    }

    @Override
    public String scope() {
        return scope;
    }

    @Override
    public String hash() {
        return hash;
    }

    @Override
    public String fingerprint() {
        return HEX.formatHex(fingerprint);
    }

    @Override
    public String describe() {
        return description.get();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CacheKey k && k.region().equals(region) && k.hash().equals(hash);
    }

    @Override
    public int hashCode() {
        return region.hashCode() * 31 + hash.hashCode();
    }

    @Override
    public String toString() {
        return region + ":" + hash.substring(0, 12);
    }
}
