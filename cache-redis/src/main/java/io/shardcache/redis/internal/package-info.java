/**
 * Implementation of the Redis backend. Not for use: nothing here is API, and it may change in any
 * release without notice.
 */
@NullMarked
package io.shardcache.redis.internal;

import org.jspecify.annotations.NullMarked;
