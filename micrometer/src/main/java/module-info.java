/** shardcache's meters in a Micrometer registry: {@link io.shardcache.micrometer.ShardcacheMetrics}. */
module io.shardcache.micrometer {
    requires transitive io.shardcache.query;
    requires transitive micrometer.core;
    requires static transitive org.jspecify;

    exports io.shardcache.micrometer;
}
