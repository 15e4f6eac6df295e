package io.shardcache.query;

/**
 * What a caller gets when the query that refreshes a stale entry fails (stale-if-error, as HTTP's
 * RFC 5861 has it). Only a stale entry (or one picked for early refresh) is at stake: a missing
 * entry has nothing to fall back on, and its loader's failure reaches every caller of its flight.
 *
 * <p>Either way the failure is reported to the listener, nothing is stored, and the next read of
 * the entry tries the refresh again; the stale rows can be served at most until the entry's hard
 * TTL ({@code ttl + staleFor}), which bounds how old a served result can be.
 */
public enum OnRefreshFailure {
    /** Serve the entry's current rows to the caller that tried the refresh. The default. */
    SERVE_STALE,
    /** Throw the query's failure to the caller that tried the refresh, as if there were no entry. */
    FAIL
}
