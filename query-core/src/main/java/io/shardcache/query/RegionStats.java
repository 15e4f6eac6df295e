package io.shardcache.query;

/**
 * Counts of what one region's cache did since its {@link CachingDSL} was created; a snapshot.
 *
 * @param hits               fresh entries served (including entries another caller filled while this one waited)
 * @param staleServed        stale entries served while one caller regenerates
 * @param misses             lookups that found no usable entry
 * @param regenerations      queries run on the database to (re)compute an entry
 * @param stored             entries written to the backend
 * @param loadFailures       regenerations whose query threw (nothing stored)
 * @param lockTimeouts       misses that gave up waiting for another caller's regeneration
 * @param backendErrors      backend calls that failed or timed out
 * @param rejectedEntries    entries read but not used: corrupt, from another version, or another query's (fingerprint)
 * @param skippedTooLarge    results not stored because the entry exceeded {@code maxEntryBytes}
 * @param skippedUnsupported reads run on the database because a column's values cannot be served from a cache
 *                           (see {@link io.shardcache.query.spi.SkipReason#UNSUPPORTED_TYPE})
 * @param skippedDeclined    results not stored because {@code cacheIf} declined them
 * @param skippedTransaction reads that bypassed the cache because the connection was in a transaction
 * @param outdatedEntries    entries read but not used because a table their query reads was written
 *                           after they were computed (each is also a miss)
 * @param skippedTableWritten results not stored because a table the query reads was written while it ran
 * @param nearHits           hits served by the region's near cache, without a backend call (also counted in {@code hits})
 * @param skippedReplica     results read on a replica and not stored (see {@link io.shardcache.query.spi.SkipReason#REPLICA})
 * @param skippedSession     reads that ran on the database because their connection's session differed from the one
 *                           the keys name (see {@link io.shardcache.query.spi.SkipReason#SESSION})
 */
public record RegionStats(
    long hits, long staleServed, long misses, long regenerations, long stored, long loadFailures,
    long lockTimeouts, long backendErrors, long rejectedEntries, long skippedTooLarge,
    long skippedUnsupported, long skippedDeclined, long skippedTransaction, long outdatedEntries,
    long skippedTableWritten, long nearHits, long skippedReplica, long skippedSession) {
}
