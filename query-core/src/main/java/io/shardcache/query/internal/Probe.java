package io.shardcache.query.internal;

/**
 * What a probing execution saw of one statement: the entry it would use, and the statement itself,
 * for {@code keyOf}, per-query invalidation and preparing a read. Immutable (the binds are a copy).
 */
public final class Probe {
    private final DogpileEngine.Lookup lookup;
    private final String sql;
    private final long maxRows;
    private final Binds binds;
    private final int type, concurrency, holdability, queryTimeout;

    Probe(DogpileEngine.Lookup lookup, String sql, long maxRows, Binds binds, int type, int concurrency, int holdability,
          int queryTimeout) {
        this.lookup = lookup;
        this.sql = sql;
        this.maxRows = maxRows;
        this.binds = binds;
        this.type = type;
        this.concurrency = concurrency;
        this.holdability = holdability;
        this.queryTimeout = queryTimeout;
    }

    int type() {
        return type;
    }

    int concurrency() {
        return concurrency;
    }

    int holdability() {
        return holdability;
    }

    /** Seconds, 0 for none: {@code ResultQuery.queryTimeout(...)} as jOOQ set it on the statement. */
    int queryTimeout() {
        return queryTimeout;
    }

    public DogpileEngine.Lookup lookup() {
        return lookup;
    }

    public String sql() {
        return sql;
    }

    long maxRows() {
        return maxRows;
    }

    Binds binds() {
        return binds;
    }
}
