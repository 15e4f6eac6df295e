package io.shardcache.query.internal;

import io.shardcache.query.CacheKey;
import org.jooq.QueryPart;
import org.jspecify.annotations.Nullable;

/**
 * What a probing execution saw of one statement: how its entry is named, and the statement itself,
 * for {@code keyOf}, per-query invalidation, preparing a read and looking a batch up at once.
 * Immutable (the binds are a copy). Making one costs no backend call; {@link #lookup} makes them.
 */
public final class Probe {
    private final ReadContext context;
    private final KeyMaterial statement;
    private final @Nullable QueryPart query;
    private final String sql;
    private final long maxRows;
    private final Binds binds;
    private final int type, concurrency, holdability, queryTimeout;

    Probe(ReadContext context, KeyMaterial statement, @Nullable QueryPart query, String sql, long maxRows, Binds binds, int type,
          int concurrency, int holdability, int queryTimeout) {
        this.context = context;
        this.statement = statement;
        this.query = query;
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

    /** Names the entry in the region's current generation: reads the generation from the backend. */
    public Lookup lookup() {
        return context.engine().lookup(context.region(), context.naming(statement), statement);
    }

    DogpileEngine engine() {
        return context.engine();
    }

    /** The statement's key; no backend call. */
    public CacheKey key() {
        return context.engine().keyOf(context.region(), context.naming(statement), statement);
    }

    /** What {@link DogpileEngine#lookupAndReadAll} needs to read this statement's entry with others'. */
    Lookups.Want want() {
        return new Lookups.Want(context.region(), context.naming(statement), statement, context.tablesOf(sql, query));
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
