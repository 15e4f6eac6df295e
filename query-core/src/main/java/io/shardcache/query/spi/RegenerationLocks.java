package io.shardcache.query.spi;

import java.time.Duration;
import java.util.Optional;

/**
 * Locks that let exactly one caller regenerate a missing or stale entry.
 *
 * <p>This is an <em>efficiency</em> lock: losing it (a lease that expires under a paused holder,
 * a failover) may cost one extra database query, never wrong data. So a lease always has a bound,
 * and a holder that dies loses its lock when the lease runs out.
 *
 * <p>Waiters must be woken by the release of the lock (or a notification that the entry was
 * filled), not by sleeping and polling. A {@link Lease} may be released from a thread other than
 * the one that took it: regeneration in the background hands the lease to another thread.
 */
public interface RegenerationLocks {

    /** Takes the lock if it is free, without waiting. */
    Optional<Lease> tryAcquire(String lockKey, Duration lease);

    /**
     * Waits up to {@code wait} for the lock; empty when the wait ran out.
     *
     * @throws InterruptedException if the waiting thread is interrupted
     */
    Optional<Lease> acquire(String lockKey, Duration wait, Duration lease) throws InterruptedException;

    /** A held lock. */
    interface Lease {

        /** Releases the lock, from any thread; releasing twice, or after expiry, does nothing. */
        void release();
    }
}
