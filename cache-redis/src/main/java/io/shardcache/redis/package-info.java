/**
 * The Redis cache backend: {@link io.shardcache.redis.RedisCacheBackend}, entries and generation
 * counters through Lettuce, regeneration locks through Redisson.
 */
@NullMarked
package io.shardcache.redis;

import org.jspecify.annotations.NullMarked;
