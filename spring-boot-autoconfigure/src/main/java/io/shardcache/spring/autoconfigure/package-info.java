/**
 * Spring Boot auto-configuration for shardcache: a {@link io.shardcache.query.CachingDSL} from
 * {@code shardcache.*} properties over Boot's jOOQ configuration, Spring transactions, Actuator health,
 * meters and an endpoint. See {@link io.shardcache.spring.autoconfigure.ShardcacheAutoConfiguration}.
 */
@NullMarked
package io.shardcache.spring.autoconfigure;

import org.jspecify.annotations.NullMarked;
