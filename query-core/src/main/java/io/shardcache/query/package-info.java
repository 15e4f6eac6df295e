/** The caching API: {@link io.shardcache.query.CachingDSL}, {@link io.shardcache.query.Regions} and what they return. */
@NullMarked
package io.shardcache.query;

import org.jspecify.annotations.NullMarked;
