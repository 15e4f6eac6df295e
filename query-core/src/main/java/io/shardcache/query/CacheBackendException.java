package io.shardcache.query;

/**
 * A cache backend could not answer: unreachable, too slow (command timeout) or refusing commands.
 * Thrown by {@link io.shardcache.query.spi.CacheBackend} implementations; callers of a caching
 * DSL only see it when their region is set to {@link OnBackendFailure#FAIL}.
 */
public class CacheBackendException extends ShardcacheException {

    public CacheBackendException(String message) {
        super(message);
    }

    public CacheBackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
