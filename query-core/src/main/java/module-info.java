/**
 * Result caching for jOOQ: {@link io.shardcache.query.CachingDSL} and its regions, and the SPI a
 * cache backend implements. Only those two packages are exported; {@code io.shardcache.query.internal}
 * is not for use.
 */
module io.shardcache.query {
    requires transitive org.jooq;
    requires transitive java.sql;
    requires com.github.benmanes.caffeine;
    requires org.postgresql.jdbc;
    requires static transitive org.jspecify;

    exports io.shardcache.query;
    exports io.shardcache.query.spi;
    // to shardcache's own Redis module only: the clean-up helper both use
    exports io.shardcache.query.internal to io.shardcache.redis;
}
