package io.shardcache.query.internal;

import io.shardcache.query.CacheKey;
import io.shardcache.query.RegionStats;
import io.shardcache.query.RegionStats.Count;
import io.shardcache.query.spi.CacheListener;
import io.shardcache.query.spi.LockWaitOutcome;
import io.shardcache.query.spi.SkipReason;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * One region's counters plus the user's listener. Counting is always on (a {@link LongAdder}
 * increment); the listener is called behind a guard so that a failing listener never fails a query.
 */
final class Telemetry {

    private static final System.Logger LOG = System.getLogger(Telemetry.class.getName());

    private final CacheListener listener;
    /** False for {@link CacheListener#NONE}: then no event builds a lambda for it, not even a hit. */
    private final boolean listening;
    private final LongAdder[] counts = new LongAdder[Count.values().length];
    /** Told which keys' entries are served and which are outdated; null when the region does not bypass churn. */
    private final @Nullable ChurnTracker churn;

    Telemetry(CacheListener listener) {
        this(listener, null);
    }

    Telemetry(CacheListener listener, @Nullable ChurnTracker churn) {
        this.listener = listener;
        this.churn = churn;
        // NONE is a sentinel: any other listener is called, even one that overrides nothing.
        @SuppressWarnings("ReferenceEquality")
        boolean none = listener == CacheListener.NONE;
        this.listening = !none;
        for (int i = 0; i < counts.length; i++)
            counts[i] = new LongAdder();
    }

    RegionStats snapshot() {
        Map<Count, Long> values = new EnumMap<>(Count.class);
        for (Count c : Count.values())
            values.put(c, counts[c.ordinal()].sum());
        return RegionStats.of(values);
    }

    private void count(Count count) {
        counts[count.ordinal()].increment();
    }

    void hit(CacheKey key) {
        count(Count.HITS);
        if (churn != null)
            churn.served(key);
        if (listening) guard(key, () -> listener.hit(key));
    }

    void staleServed(CacheKey key) {
        count(Count.STALE_SERVED);
        if (churn != null)
            churn.served(key);
        if (listening) guard(key, () -> listener.staleServed(key));
    }

    void miss(CacheKey key) {
        count(Count.MISSES);
        if (listening) guard(key, () -> listener.miss(key));
    }

    void regenerated(CacheKey key, Duration took) {
        count(Count.REGENERATIONS);
        if (churn != null)
            churn.queried(key, took);
        if (listening) guard(key, () -> listener.regenerated(key, took));
    }

    void stored() {
        count(Count.STORED);
    }

    void lockWaited(CacheKey key, Duration waited, LockWaitOutcome outcome) {
        if (outcome == LockWaitOutcome.TIMED_OUT)
            count(Count.LOCK_TIMEOUTS);
        if (listening) guard(key, () -> listener.lockWaited(key, waited, outcome));
    }

    void skipped(CacheKey key, SkipReason reason) {
        switch (reason) {
            case TOO_LARGE -> count(Count.SKIPPED_TOO_LARGE);
            case UNSUPPORTED_TYPE -> count(Count.SKIPPED_UNSUPPORTED);
            case DECLINED -> count(Count.SKIPPED_DECLINED);
            case TRANSACTION -> count(Count.SKIPPED_TRANSACTION);
            case BACKEND_UNAVAILABLE -> { }   // counted as backendErrors where it happened
            case TABLE_WRITTEN -> {
                count(Count.SKIPPED_TABLE_WRITTEN);
                if (churn != null)
                    churn.outdated(key);
            }
            case REPLICA -> count(Count.SKIPPED_REPLICA);
            case SESSION -> count(Count.SKIPPED_SESSION);
            case CHURN -> count(Count.SKIPPED_CHURN);
        }
        if (listening) guard(key, () -> listener.skipped(key, reason));
    }

    void loadFailed(CacheKey key, Throwable error) {
        count(Count.LOAD_FAILURES);
        if (listening) guard(key, () -> listener.error(key, error));
    }

    void backendError(CacheKey key, Throwable error) {
        count(Count.BACKEND_ERRORS);
        LOG.log(Level.DEBUG, () -> "shardcache: backend failed for " + key + ": " + error);
        if (listening) guard(key, () -> listener.error(key, error));
    }

    /** A hit that the near cache served (already counted by {@link #hit}). */
    void nearHit() {
        count(Count.NEAR_HITS);
    }

    void coalesced(CacheKey key) {
        count(Count.COALESCED_READS);
        if (listening) guard(key, () -> listener.coalesced(key));
    }

    /** An entry whose tables were written after it was computed: a miss. */
    void outdated(CacheKey key) {
        count(Count.OUTDATED_ENTRIES);
        if (churn != null)
            churn.outdated(key);
    }

    /** An entry that was read but cannot be used (corrupt, other version, other query): a miss. */
    void rejected(CacheKey key, @Nullable String why) {
        count(Count.REJECTED_ENTRIES);
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
