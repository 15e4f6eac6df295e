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
 * <p>Waiters must be woken by the release of the lock, or by the holder's announcement that the
 * entry was filled ({@link Lease#releaseFilled()}), never by sleeping and polling. The announcement
 * lets every waiter read the entry at once instead of taking the lock one after another. A
 * {@link Lease} may be released from a thread other than the one that took it: regeneration in the
 * background hands the lease to another thread.
 */
public interface RegenerationLocks {

    /** Takes the lock if it is free, without waiting. */
    Optional<Lease> tryAcquire(String lockKey, Duration lease);

    /**
     * Waits up to {@code wait} for the lock, and stops waiting early, without it, when the holder
     * announces that it filled the entry.
     *
     * @return {@link Acquisition.Held} with the lease, {@link Acquisition#FILLED}, or
     *         {@link Acquisition#TIMED_OUT} when the wait ran out
     * @throws InterruptedException if the waiting thread is interrupted
     */
    Acquisition acquire(String lockKey, Duration wait, Duration lease) throws InterruptedException;

    /** How a wait for the lock ended. */
    sealed interface Acquisition {
        // No default methods here: an interface with one is initialized whenever an implementing
        // class is, and FILLED and TIMED_OUT initialize two of them, so two threads could then
        // deadlock initializing Acquisition and Filled (JVMS 5.5). Each record implements held().

        /** The holder announced it filled the entry: read it; the lock was not taken. */
        Acquisition FILLED = new Filled();
        /** The wait ran out. */
        Acquisition TIMED_OUT = new TimedOut();

        /** The lease when the lock is held, else empty. */
        Optional<Lease> held();

        /** The lock is held; the caller must release {@code lease}. */
        record Held(Lease lease) implements Acquisition {
            @Override
            public Optional<Lease> held() {
                return Optional.of(lease);
            }
        }

        /** See {@link #FILLED}. */
        record Filled() implements Acquisition {
            @Override
            public Optional<Lease> held() {
                return Optional.empty();
            }
        }

        /** See {@link #TIMED_OUT}. */
        record TimedOut() implements Acquisition {
            @Override
            public Optional<Lease> held() {
                return Optional.empty();
            }
        }
    }

    /** A held lock. */
    interface Lease {

        /** Releases the lock, from any thread; releasing twice, or after expiry, does nothing. */
        void release();

        /**
         * Releases the lock and tells its waiters, in every process, that the entry it guards was
         * stored, so they read it instead of taking the lock in turn. The announcement is best
         * effort: a waiter that misses it is still woken by the release. The default only releases.
         */
        default void releaseFilled() {
            release();
        }
    }
}
