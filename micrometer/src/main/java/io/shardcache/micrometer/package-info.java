/** shardcache's meters in a Micrometer registry: {@link io.shardcache.micrometer.ShardcacheMetrics}. */
@NullMarked
package io.shardcache.micrometer;

import org.jspecify.annotations.NullMarked;
