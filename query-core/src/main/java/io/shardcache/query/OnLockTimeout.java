package io.shardcache.query;

/**
 * What a caller does when it has waited {@code lockWait} for another caller to regenerate a
 * missing entry.
 *
 * <p>There is no "serve stale" choice here on purpose: a caller only ever waits for the lock when
 * there is no entry at all. When a stale entry exists, callers that don't get the lock are served
 * it at once and never wait.
 */
public enum OnLockTimeout {
    /** Run the query on the database (and store its result): slower, never fails. The default. */
    QUERY_DATABASE,
    /** Throw {@link LockTimeoutException}. */
    FAIL
}
