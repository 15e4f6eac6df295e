/**
 * Redis regions for shardcache: {@link io.shardcache.redis.RedisCacheBackend} on one server, a
 * Sentinel-managed master or a Redis Cluster (several standalone servers compose with query-core's
 * {@code BackendRing}). Only that package is exported.
 */
module io.shardcache.redis {
    requires transitive io.shardcache.query;
    requires lettuce.core;
    requires redisson;
    requires reactor.core;             // Lettuce resolves credentials as a Mono
    requires static micrometer.core;   // only for Builder.meterRegistry
    requires static transitive org.jspecify;

    exports io.shardcache.redis;
}
