/**
 * shardcache's meters in a Micrometer registry ({@link io.shardcache.micrometer.ShardcacheMetrics}) and its
 * reads as Micrometer observations ({@link io.shardcache.micrometer.ShardcacheObservations}).
 */
module io.shardcache.micrometer {
    requires transitive io.shardcache.query;
    requires transitive micrometer.core;
    requires transitive micrometer.observation;
    requires static transitive org.jspecify;

    exports io.shardcache.micrometer;
}
