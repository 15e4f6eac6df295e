package io.shardcache.query.internal;

import io.shardcache.query.CacheBackendException;
import io.shardcache.query.spi.CacheBackend;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Generation bumps: what a write changes (each of its tables' counters moves, so every entry read
 * from them is a miss), and what this JVM holds back when the backend cannot take them.
 *
 * <p>When the backend cannot be reached the counters are kept, and until they reach it this JVM
 * serves nothing from it ({@link #flushBeforeRead}): entries there may predate the write. They are
 * retried every {@value #FLUSH_EVERY_MILLIS} ms in the background, each retry a probe of the circuit
 * even while it is open ({@link CacheBackend#incrementGenerationsNow}), and before this JVM's next
 * read. So other processes serve entries older than the write only until the backend answers this
 * JVM again, plus one retry: that is the one gap an outage leaves.
 *
 * <p>It also counts this JVM's writes ({@link #localWrites}): rows are shared with a caller, or a
 * lookup made ahead is used, only if no write of this JVM came between. Thread-safe.
 */
final class GenerationBumps {

    /** How often bumps that could not reach the backend are retried. */
    static final long FLUSH_EVERY_MILLIS = 50;

    private static final System.Logger LOG = System.getLogger(GenerationBumps.class.getName());

    private final CacheBackend backend;
    private final @Nullable NearCache near;
    private final Executor retries;
    /** Counters whose bump failed: until they reach the backend, this JVM serves nothing from it. */
    private final Set<String> unflushed = ConcurrentHashMap.newKeySet();
    /** A background retry of {@link #unflushed} is scheduled or running. */
    private final AtomicBoolean flushing = new AtomicBoolean();
    /**
     * Generation bumps this JVM has made (each write makes two): a flight's rows are handed to a
     * caller only if none was made between their read and the caller's arrival, so even with the
     * backend down a caller never gets rows read before a write of this JVM that had returned.
     */
    private final AtomicLong localWrites = new AtomicLong();
    private volatile boolean closing;

    /** @param retries where background retries run (delayed by {@link #FLUSH_EVERY_MILLIS}) */
    GenerationBumps(CacheBackend backend, @Nullable NearCache near, Executor retries) {
        this.backend = backend;
        this.near = near;
        this.retries = retries;
    }

    /** How many bumps this JVM has made so far. */
    long localWrites() {
        return localWrites.get();
    }

    /** Whether every bump has reached the backend. */
    boolean allFlushed() {
        return unflushed.isEmpty();
    }

    /** How many counters' bumps have not reached the backend. */
    int unflushedCount() {
        return unflushed.size();
    }

    /** Before a read: retries the bumps that failed; true when none is left, and the read may use the backend. */
    boolean flushBeforeRead() {
        return unflushed.isEmpty() || flush(false);
    }

    /** Moves one counter (a region's, on an invalidation); a failure is the caller's. */
    void bumpOne(String counter) {
        long value = backend.incrementGeneration(counter);
        if (near != null)
            near.generationChanged(counter, value);
    }

    /** Bumps the counters of a write; when the backend cannot be reached, keeps them and retries (see the class comment). */
    void bump(List<String> tableCounters) {
        try {
            bumpOrThrow(tableCounters);
        } catch (CacheBackendException e) {
            unflushed.addAll(tableCounters);
            LOG.log(System.Logger.Level.WARNING, "generation bump of " + tableCounters + " failed; retried in the background and before the next read", e);
            flushSoon();
        }
    }

    /** As {@link #bump}, but a failure is the caller's: nothing is kept for a retry. */
    void bumpOrThrow(List<String> tableCounters) {
        localWrites.incrementAndGet();
        long[] values = backend.incrementGenerations(tableCounters);
        if (near != null)
            near.bumped(tableCounters, values);
    }

    /** Stops scheduling retries. */
    void close() {
        closing = true;
    }

    /** Schedules a background retry of the unflushed bumps, unless one is scheduled. */
    private void flushSoon() {
        if (closing || !flushing.compareAndSet(false, true))
            return;
        try {
            CompletableFuture.delayedExecutor(FLUSH_EVERY_MILLIS, TimeUnit.MILLISECONDS, retries).execute(this::flushInBackground);
        } catch (RejectedExecutionException closed) {
            flushing.set(false);
        }
    }

    private void flushInBackground() {
        boolean done = true;
        try {
            done = closing || flush(true);
        } catch (RuntimeException e) {
            done = false;
        } finally {
            flushing.set(false);
        }
        if (!done || !unflushed.isEmpty())
            flushSoon();
    }

    /**
     * Retries the bumps that failed; true when none is left. Each counter leaves the set before its
     * retry and returns to it if the retry fails, so a bump that fails meanwhile is never lost.
     *
     * @param probe whether to call the backend even while its circuit is open (the background retry)
     */
    private boolean flush(boolean probe) {
        List<String> pending = List.copyOf(unflushed);
        if (pending.isEmpty())
            return true;
        pending.forEach(unflushed::remove);
        try {
            long[] values = probe ? backend.incrementGenerationsNow(pending) : backend.incrementGenerations(pending);
            if (near != null)
                near.bumped(pending, values);
            return unflushed.isEmpty();
        } catch (CacheBackendException e) {
            unflushed.addAll(pending);
            return false;
        }
    }
}
