/**
 * Implementation of the Redis backend. Not for use: nothing here is API, and it may change in any
 * release without notice.
 */
package io.shardcache.redis.internal;
