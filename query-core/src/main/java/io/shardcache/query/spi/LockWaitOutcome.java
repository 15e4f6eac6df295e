package io.shardcache.query.spi;

/** How a miss's wait for another caller's regeneration ended; see {@link CacheListener#lockWaited}. */
public enum LockWaitOutcome {
    /** The waiter took the lock (and then found the entry filled, or regenerated it). */
    ACQUIRED,
    /** The holder announced the entry was filled; the waiter read it without the lock. */
    FILLED,
    /** The wait ran out; the region's {@code OnLockTimeout} decided what followed. */
    TIMED_OUT
}
