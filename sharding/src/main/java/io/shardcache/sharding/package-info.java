/**
 * Sharding over PostgreSQL: a {@link io.shardcache.sharding.ShardMap} of logical shards (schemas) on
 * physical servers, brought to life by {@link io.shardcache.sharding.Sharding}, with routers, shard IDs,
 * replicas, fan-out and per-shard migrations.
 */
@NullMarked
package io.shardcache.sharding;

import org.jspecify.annotations.NullMarked;
