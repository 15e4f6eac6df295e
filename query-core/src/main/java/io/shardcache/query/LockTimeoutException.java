package io.shardcache.query;

import java.time.Duration;

/**
 * A caller waited {@code lockWait} for another caller to regenerate an entry and gave up, in a
 * region set to {@link OnLockTimeout#FAIL}.
 */
public class LockTimeoutException extends ShardcacheException {

    private final CacheKey key;
    private final Duration waited;

    public LockTimeoutException(CacheKey key, Duration waited, Duration lockWait, Duration lockLease) {
        super("timed out waiting for the regeneration lock of " + key + " in region '" + key.region()
            + "': waited=" + waited.toMillis() + "ms, lockWait=" + lockWait.toMillis() + "ms, lockLease="
            + lockLease.toMillis() + "ms; another caller is still regenerating this entry (region onLockTimeout=FAIL)");
        this.key = key;
        this.waited = waited;
    }

    public CacheKey key() {
        return key;
    }

    public Duration waited() {
        return waited;
    }
}
