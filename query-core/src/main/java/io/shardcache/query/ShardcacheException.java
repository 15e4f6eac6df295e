package io.shardcache.query;

/**
 * The root of shardcache's exceptions. All are unchecked; messages carry the state that explains
 * them (region, key, waited and lease times) and the cause is always chained.
 */
public class ShardcacheException extends RuntimeException {

    public ShardcacheException(String message) {
        super(message);
    }

    public ShardcacheException(String message, Throwable cause) {
        super(message, cause);
    }
}
