package io.shardcache.spring.autoconfigure;

import io.shardcache.query.CachingDSL;
import io.shardcache.query.Region;
import io.shardcache.query.Regions;

/**
 * What code sets that properties cannot: a bean of this type is called while the auto-configuration builds
 * the {@link CachingDSL}. Options follow shardcache's builders' rule: each may be set once, so a customizer
 * that sets what a property already set fails start-up, naming the option.
 */
public interface ShardcacheCustomizer {

    /**
     * Adds to region {@code name}, defined by {@code shardcache.regions.<name>.*}, what properties cannot say,
     * such as {@link Region.Builder#cacheIf}.
     */
    default void region(String name, Region.Builder region) {
    }

    /** Defines regions in code, beside those of the properties. */
    default void regions(Regions.Builder regions) {
    }

    /**
     * Sets what the auto-configuration leaves to code: a clock, a refresh executor. The backend, the
     * transaction hooks, the circuit breaker and the listener are set by the auto-configuration (a
     * {@code CacheBackend} or {@code CacheListener} bean takes part there).
     */
    default void cachingDsl(CachingDSL.Builder builder) {
    }
}
