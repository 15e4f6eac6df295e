/**
 * Sharding for jOOQ on PostgreSQL: shard maps, routing, shard-carrying IDs, fan-out, shard creation
 * and migrations ({@link io.shardcache.sharding.Sharding}). Only that package is exported.
 */
module io.shardcache.sharding {
    requires transitive org.jooq;
    requires transitive java.sql;
    requires transitive com.zaxxer.hikari;
    requires com.fasterxml.jackson.core;   // EntityStore's JSON text; no Jackson type is in the API
    requires static flyway.core;   // shard migrations, with Flyway on the path (its jar names no module)
    requires static transitive org.jspecify;

    exports io.shardcache.sharding;
}
