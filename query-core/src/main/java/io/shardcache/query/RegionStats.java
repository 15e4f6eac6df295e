package io.shardcache.query;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * Counts of what one region's cache did since its {@link CachingDSL} was created; an immutable snapshot.
 *
 * <p>Each count is a {@link Count}; read one by its accessor ({@link #hits()}) or by {@link #count(Count)},
 * or all of them with {@link #asMap()} (what a metrics or admin endpoint iterates). A count added in a later
 * version is a new constant and accessor, so code written against this one keeps compiling.
 */
public final class RegionStats {

    /** What a region counts. */
    public enum Count {
        /** Fresh entries served (including entries another caller filled while this one waited). */
        HITS("hits"),
        /** Stale entries served while one caller regenerates. */
        STALE_SERVED("staleServed"),
        /** Lookups that found no usable entry. */
        MISSES("misses"),
        /** Queries run on the database to (re)compute an entry. */
        REGENERATIONS("regenerations"),
        /** Entries written to the backend. */
        STORED("stored"),
        /** Regenerations whose query threw (nothing stored). */
        LOAD_FAILURES("loadFailures"),
        /** Misses that gave up waiting for another caller's regeneration. */
        LOCK_TIMEOUTS("lockTimeouts"),
        /** Backend calls that failed or timed out. */
        BACKEND_ERRORS("backendErrors"),
        /** Entries read but not used: corrupt, from another version, or another query's (fingerprint). */
        REJECTED_ENTRIES("rejectedEntries"),
        /** Results not stored because the entry exceeded {@code maxEntryBytes}. */
        SKIPPED_TOO_LARGE("skippedTooLarge"),
        /**
         * Reads run on the database because a column's values cannot be served from a cache (see
         * {@link io.shardcache.query.spi.SkipReason#UNSUPPORTED_TYPE}).
         */
        SKIPPED_UNSUPPORTED("skippedUnsupported"),
        /** Results not stored because {@code cacheIf} declined them. */
        SKIPPED_DECLINED("skippedDeclined"),
        /** Reads that bypassed the cache because the connection was in a transaction. */
        SKIPPED_TRANSACTION("skippedTransaction"),
        /**
         * Entries read but not used because a table their query reads was written after they were computed
         * (each is also a miss).
         */
        OUTDATED_ENTRIES("outdatedEntries"),
        /** Results not stored because a table the query reads was written while it ran. */
        SKIPPED_TABLE_WRITTEN("skippedTableWritten"),
        /** Hits served by the region's near cache, without a backend call (also counted in {@link #HITS}). */
        NEAR_HITS("nearHits"),
        /** Results read on a replica and not stored (see {@link io.shardcache.query.spi.SkipReason#REPLICA}). */
        SKIPPED_REPLICA("skippedReplica"),
        /**
         * Reads that ran on the database because their connection's session differed from the one the keys
         * name (see {@link io.shardcache.query.spi.SkipReason#SESSION}).
         */
        SKIPPED_SESSION("skippedSession"),
        /**
         * Reads of a remote backend that shared a call another caller of this JVM sent for the same entry,
         * after this one began, instead of making their own (read coalescing: a hot key's concurrent readers
         * send about two calls, not one each).
         */
        COALESCED_READS("coalescedReads"),
        /** Reads of a churning key run on the database without the cache (see {@link io.shardcache.query.spi.SkipReason#CHURN}). */
        SKIPPED_CHURN("skippedChurn");

        private final String label;

        Count(String label) {
            this.label = label;
        }

        /** The count's name in {@link RegionStats#toString()} and its accessor's name: {@code staleServed}. */
        public String label() {
            return label;
        }
    }

    private static final Count[] COUNTS = Count.values();

    private final long[] counts;

    private RegionStats(long[] counts) {
        this.counts = counts;
    }

    /**
     * A snapshot holding {@code counts}; a count not in the map is 0.
     *
     * @throws IllegalArgumentException if a count is negative
     */
    public static RegionStats of(Map<Count, Long> counts) {
        long[] values = new long[COUNTS.length];
        counts.forEach((count, value) -> {
            if (value < 0)
                throw new IllegalArgumentException(count.label() + " must not be negative, got " + value);
            values[count.ordinal()] = value;
        });
        return new RegionStats(values);
    }

    /** The value of {@code count}. */
    public long count(Count count) {
        return counts[Objects.requireNonNull(count, "count").ordinal()];
    }

    /** Every count, in {@link Count}'s order. */
    public Map<Count, Long> asMap() {
        Map<Count, Long> map = new EnumMap<>(Count.class);
        for (Count c : COUNTS)
            map.put(c, counts[c.ordinal()]);
        return map;
    }

    /** See {@link Count#HITS}. */
    public long hits() {
        return count(Count.HITS);
    }

    /** See {@link Count#STALE_SERVED}. */
    public long staleServed() {
        return count(Count.STALE_SERVED);
    }

    /** See {@link Count#MISSES}. */
    public long misses() {
        return count(Count.MISSES);
    }

    /** See {@link Count#REGENERATIONS}. */
    public long regenerations() {
        return count(Count.REGENERATIONS);
    }

    /** See {@link Count#STORED}. */
    public long stored() {
        return count(Count.STORED);
    }

    /** See {@link Count#LOAD_FAILURES}. */
    public long loadFailures() {
        return count(Count.LOAD_FAILURES);
    }

    /** See {@link Count#LOCK_TIMEOUTS}. */
    public long lockTimeouts() {
        return count(Count.LOCK_TIMEOUTS);
    }

    /** See {@link Count#BACKEND_ERRORS}. */
    public long backendErrors() {
        return count(Count.BACKEND_ERRORS);
    }

    /** See {@link Count#REJECTED_ENTRIES}. */
    public long rejectedEntries() {
        return count(Count.REJECTED_ENTRIES);
    }

    /** See {@link Count#SKIPPED_TOO_LARGE}. */
    public long skippedTooLarge() {
        return count(Count.SKIPPED_TOO_LARGE);
    }

    /** See {@link Count#SKIPPED_UNSUPPORTED}. */
    public long skippedUnsupported() {
        return count(Count.SKIPPED_UNSUPPORTED);
    }

    /** See {@link Count#SKIPPED_DECLINED}. */
    public long skippedDeclined() {
        return count(Count.SKIPPED_DECLINED);
    }

    /** See {@link Count#SKIPPED_TRANSACTION}. */
    public long skippedTransaction() {
        return count(Count.SKIPPED_TRANSACTION);
    }

    /** See {@link Count#OUTDATED_ENTRIES}. */
    public long outdatedEntries() {
        return count(Count.OUTDATED_ENTRIES);
    }

    /** See {@link Count#SKIPPED_TABLE_WRITTEN}. */
    public long skippedTableWritten() {
        return count(Count.SKIPPED_TABLE_WRITTEN);
    }

    /** See {@link Count#NEAR_HITS}. */
    public long nearHits() {
        return count(Count.NEAR_HITS);
    }

    /** See {@link Count#SKIPPED_REPLICA}. */
    public long skippedReplica() {
        return count(Count.SKIPPED_REPLICA);
    }

    /** See {@link Count#SKIPPED_SESSION}. */
    public long skippedSession() {
        return count(Count.SKIPPED_SESSION);
    }

    /** See {@link Count#COALESCED_READS}. */
    public long coalescedReads() {
        return count(Count.COALESCED_READS);
    }

    /** See {@link Count#SKIPPED_CHURN}. */
    public long skippedChurn() {
        return count(Count.SKIPPED_CHURN);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RegionStats other && Arrays.equals(counts, other.counts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(counts);
    }

    /** {@code RegionStats[hits=3, staleServed=0, ...]}: every count by its {@link Count#label()}. */
    @Override
    public String toString() {
        StringJoiner s = new StringJoiner(", ", "RegionStats[", "]");
        for (Count c : COUNTS)
            s.add(c.label() + "=" + counts[c.ordinal()]);
        return s.toString();
    }
}
