package io.shardcache.query.internal;

import io.shardcache.query.CacheKey;
import io.shardcache.query.RegionStats;
import io.shardcache.query.spi.CacheListener;
import io.shardcache.query.spi.LockWaitOutcome;
import io.shardcache.query.spi.SkipReason;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * One region's counters plus the user's listener. Counting is always on (a {@link LongAdder}
 * increment); the listener is called behind a guard so that a failing listener never fails a query.
 */
final class Telemetry {

    private static final System.Logger LOG = System.getLogger(Telemetry.class.getName());

    private final CacheListener listener;
    private final LongAdder hits = new LongAdder(), staleServed = new LongAdder(), misses = new LongAdder(),
        regenerations = new LongAdder(), stored = new LongAdder(), loadFailures = new LongAdder(),
        lockTimeouts = new LongAdder(), backendErrors = new LongAdder(), rejected = new LongAdder(),
        tooLarge = new LongAdder(), unsupported = new LongAdder(), declined = new LongAdder(), transaction = new LongAdder(),
        outdated = new LongAdder(), tableWritten = new LongAdder(), nearHits = new LongAdder(), replica = new LongAdder(),
        session = new LongAdder();

    Telemetry(CacheListener listener) {
        this.listener = listener;
    }

    RegionStats snapshot() {
        return new RegionStats(hits.sum(), staleServed.sum(), misses.sum(), regenerations.sum(), stored.sum(),
            loadFailures.sum(), lockTimeouts.sum(), backendErrors.sum(), rejected.sum(), tooLarge.sum(),
            unsupported.sum(), declined.sum(), transaction.sum(), outdated.sum(), tableWritten.sum(), nearHits.sum(), replica.sum(),
            session.sum());
    }

    void hit(CacheKey key) {
        hits.increment();
        if (listener != CacheListener.NONE) guard(key, () -> listener.hit(key));
    }

    void staleServed(CacheKey key) {
        staleServed.increment();
        if (listener != CacheListener.NONE) guard(key, () -> listener.staleServed(key));
    }

    void miss(CacheKey key) {
        misses.increment();
        if (listener != CacheListener.NONE) guard(key, () -> listener.miss(key));
    }

    void regenerated(CacheKey key, Duration took) {
        regenerations.increment();
        if (listener != CacheListener.NONE) guard(key, () -> listener.regenerated(key, took));
    }

    void stored() {
        stored.increment();
    }

    void lockWaited(CacheKey key, Duration waited, LockWaitOutcome outcome) {
        if (outcome == LockWaitOutcome.TIMED_OUT)
            lockTimeouts.increment();
        if (listener != CacheListener.NONE) guard(key, () -> listener.lockWaited(key, waited, outcome));
    }

    void skipped(CacheKey key, SkipReason reason) {
        switch (reason) {
            case TOO_LARGE -> tooLarge.increment();
            case UNSUPPORTED_TYPE -> unsupported.increment();
            case DECLINED -> declined.increment();
            case TRANSACTION -> transaction.increment();
            case BACKEND_UNAVAILABLE -> { }   // counted as backendErrors where it happened
            case TABLE_WRITTEN -> tableWritten.increment();
            case REPLICA -> replica.increment();
            case SESSION -> session.increment();
        }
        if (listener != CacheListener.NONE) guard(key, () -> listener.skipped(key, reason));
    }

    void loadFailed(CacheKey key, Throwable error) {
        loadFailures.increment();
        if (listener != CacheListener.NONE) guard(key, () -> listener.error(key, error));
    }

    void backendError(CacheKey key, Throwable error) {
        backendErrors.increment();
        LOG.log(Level.DEBUG, () -> "shardcache: backend failed for " + key + ": " + error);
        if (listener != CacheListener.NONE) guard(key, () -> listener.error(key, error));
    }

    /** A hit that the near cache served (already counted by {@link #hit}). */
    void nearHit() {
        nearHits.increment();
    }

    /** An entry whose tables were written after it was computed: a miss. */
    void outdated(CacheKey key) {
        outdated.increment();
    }

    /** An entry that was read but cannot be used (corrupt, other version, other query): a miss. */
    void rejected(CacheKey key, @Nullable String why) {
        rejected.increment();
        LOG.log(Level.DEBUG, () -> "shardcache: ignoring entry " + key + ": " + why);
    }

    private static void guard(CacheKey key, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "shardcache: a CacheListener threw on " + key + "; ignored", e);
        }
    }
}
