package io.shardcache.query.spi;

import io.shardcache.query.CacheKey;
import java.time.Duration;

/**
 * Hears what the cache does, for metrics and logs. Every method has a no-op default, so a
 * listener overrides only what it needs (as jOOQ's {@code ExecuteListener}).
 *
 * <p>Methods are called synchronously on the thread that caused the event (for background
 * refreshes, the refreshing thread), so they must be fast and must not block. An exception thrown
 * by a listener is logged and otherwise ignored: it never fails a query.
 *
 * <p><b>Order.</b> One read fires, on its own thread and in this order:
 * <ul>
 * <li>a fresh entry: {@code hit};</li>
 * <li>a miss this caller fills: {@code miss}, {@code lockWaited} (acquired), {@code regenerated}, then
 *     {@code skipped} if the result was not stored; {@code error} in place of {@code regenerated} if the
 *     query failed;</li>
 * <li>a miss another process filled while this one waited: {@code miss}, {@code lockWaited}, {@code hit};</li>
 * <li>a miss that joined a regeneration already running in this process: {@code miss} alone (the
 *     regenerating caller fires the rest);</li>
 * <li>a stale entry: {@code staleServed} for the callers served while one refreshes; the caller that
 *     refreshes fires {@code regenerated} alone (with async refresh, on the refreshing thread);</li>
 * <li>a read the cache does not consult (a transaction, a session that differs, a backend that is down):
 *     {@code skipped} first, then {@code regenerated} if the query ran through the engine.</li>
 * </ul>
 * A wait that runs out fires {@code lockWaited} (timed out), then what the region's {@code OnLockTimeout}
 * chose: {@code hit}, {@code regenerated}, or nothing before the exception.
 */
public interface CacheListener {

    /** A listener that does nothing. */
    CacheListener NONE = new CacheListener() { };

    /** A fresh entry was served. */
    default void hit(CacheKey key) {
    }

    /** There was no usable entry: the caller waits for (or performs) regeneration. */
    default void miss(CacheKey key) {
    }

    /** A stale entry was served while another caller (or a background thread) regenerates it. */
    default void staleServed(CacheKey key) {
    }

    /** The query ran on the database for this key and took {@code took}. */
    default void regenerated(CacheKey key, Duration took) {
    }

    /** A miss waited {@code waited} for another caller's regeneration, and how that ended. */
    default void lockWaited(CacheKey key, Duration waited, LockWaitOutcome outcome) {
    }

    /**
     * A read of the backend for this key shared a call another caller of this JVM sent after it began,
     * instead of making its own ({@link io.shardcache.query.RegionStats#coalescedReads()}).
     */
    default void coalesced(CacheKey key) {
    }

    /** A result was not stored, or the cache was not consulted, for {@code reason}. */
    default void skipped(CacheKey key, SkipReason reason) {
    }

    /**
     * Something failed: the loader (the query) or the backend. For a loader failure, every caller
     * of that flight also gets the exception and nothing is stored.
     */
    default void error(CacheKey key, Throwable error) {
    }

    /**
     * The backend failed {@code cause}'s way too many times in a row: for {@code openFor} it is not
     * called at all (reads run on the database), then probed by one call at a time.
     */
    default void circuitOpened(String backend, Duration openFor, Throwable cause) {
    }

    /** A probe of the backend succeeded {@code openFor} after its circuit opened: it is used again. */
    default void circuitClosed(String backend, Duration openFor) {
    }
}
