package io.shardcache.query.spi;

/** Why a result was not stored in, or not served from, the cache. */
public enum SkipReason {
    /** The encoded entry is larger than the region's {@code maxEntryBytes}. */
    TOO_LARGE,
    /**
     * A column holds values whose driver objects need a live connection (arrays, {@code xml}, large
     * objects, {@code hstore}, cursors), or the driver is not PostgreSQL's pgjdbc: the read runs on the
     * database, and its SQL text skips the cache from then on.
     */
    UNSUPPORTED_TYPE,
    /** The region's {@code cacheIf} predicate declined the result. */
    DECLINED,
    /** The connection was inside a transaction: its rows may be uncommitted, so they are neither cached nor served from cache. */
    TRANSACTION,
    /** The backend failed; the query ran on the database instead. */
    BACKEND_UNAVAILABLE,
    /**
     * A table the query reads was written while it ran: its caller got the rows, but they were not
     * stored (they may predate the write) nor handed to callers waiting for them.
     */
    TABLE_WRITTEN,
    /**
     * Read on a replica in a region with table generations: a replica may not yet have replayed a
     * write whose generation bump the read already saw, so its rows are returned but not stored
     * (regions with {@code tableGenerations(false)} store them).
     */
    REPLICA,
    /**
     * The connection's session differs from the one the caching DSL's keys name (a {@code SET} of the
     * time zone, the search path or another setting that changes answers): its reads run on the
     * database and nothing is stored. See {@code CachingDSL} on what a key holds.
     */
    SESSION,
    /**
     * The key churns: its entries were outdated by writes more often than they were served, and its query is
     * cheap, so for a while it is read from the database without consulting the cache (no lock, no backend
     * read, nothing stored); see {@code Region.Builder#churnBypass}.
     */
    CHURN
}
