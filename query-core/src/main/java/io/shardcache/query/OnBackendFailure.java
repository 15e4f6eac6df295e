package io.shardcache.query;

/** What a caller does when the cache backend fails or times out. */
public enum OnBackendFailure {
    /** Run the query on the database and return its rows; the failure goes to listeners. The default. */
    QUERY_DATABASE,
    /** Throw {@link CacheBackendException}. */
    FAIL
}
