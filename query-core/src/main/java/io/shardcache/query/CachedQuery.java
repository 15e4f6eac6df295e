package io.shardcache.query;

import io.shardcache.query.internal.PreparedRead;
import java.util.Optional;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.exception.NoDataFoundException;
import org.jooq.exception.TooManyRowsException;
import org.jspecify.annotations.Nullable;

/**
 * A cached read prepared by {@link CachingDSL#prepare}: rendered once, run with new parameter values.
 *
 * <p>Values are given in the order the query's parameters appear in its SQL ({@link #parameters()}),
 * each converted by the parameter's data type as jOOQ's {@code bind} would ({@code 42} binds to a
 * {@code Long} parameter), except that a conversion that would change the value ({@code 2.9} for an
 * integer) is refused instead of truncated.
 * A call computes the key from the SQL rendered at preparation plus the values, and on a hit builds
 * the query's own record type from the cached row, without rendering or executing anything through
 * jOOQ: on a one-row primary-key read that is several times cheaper than the same hit through
 * {@link CachingDSL#fromCache(String)}, with which it shares entries (same SQL and values, same key).
 *
 * <p>What can be prepared: parameters whose values jOOQ hands to the driver unchanged (boolean, the
 * integer and decimal types, text, UUID), without a converter or binding of their own, each bound
 * once; fields that jOOQ knows, read with jOOQ's own bindings, with or without a converter. Not: a
 * DSL with {@code RecordListener}s or {@code fetchTrimmedCharValues}, plain SQL or {@code select *}.
 * Anything else fails at {@link CachingDSL#prepare} with a message naming it: run that query through
 * {@code fromCache(region)} instead. NULL values are refused at call time. A hit runs none of jOOQ's
 * {@code ExecuteListener}s (nothing is executed); a miss runs the statement on a connection of the
 * DSL's provider, outside jOOQ's execution, so they do not see it either.
 *
 * <p><b>Concurrency and failures</b> are those of {@link CachingDSL}: one flight per key, a loader
 * failure reaches every caller of that flight (as jOOQ's {@code DataAccessException}) and stores
 * nothing, a backend outage degrades to the database. Inside a transaction (the prepared-on DSL's
 * single connection not in auto-commit, or the builder's {@code inTransaction} test) the cache is
 * bypassed, as for any cached read: prepare on {@code cached.on(trx.dsl())} to read in a jOOQ
 * transaction. Immutable and thread-safe: one instance serves every thread.
 *
 * @param <R> the record type the query builds (a generated record, a {@code Record2<…>}, …)
 */
public final class CachedQuery<R extends Record> {

    private final CachingDSL owner;
    private final PreparedRead<R> read;

    CachedQuery(CachingDSL owner, PreparedRead<R> read) {
        this.owner = owner;
        this.read = read;
    }

    /** Every row for these values. */
    public Result<R> fetch(Object... values) {
        return read.fetch(values);
    }

    /**
     * The only row, or null if there is none.
     *
     * @throws TooManyRowsException if there is more than one
     */
    public @Nullable R fetchOne(Object... values) {
        Result<R> rows = read.fetch(values);
        return switch (rows.size()) {
            case 0 -> null;
            case 1 -> rows.get(0);
            default -> throw new TooManyRowsException(rows.size() + " rows for " + read.sql() + " where one was expected");
        };
    }

    /**
     * The only row.
     *
     * @throws NoDataFoundException if there is none
     * @throws TooManyRowsException if there is more than one
     */
    public R fetchSingle(Object... values) {
        R r = fetchOne(values);
        if (r == null)
            throw new NoDataFoundException("no row for " + read.sql() + " where one was expected");
        return r;
    }

    /** The only row, if any. @throws TooManyRowsException if there is more than one */
    public Optional<R> fetchOptional(Object... values) {
        return Optional.ofNullable(fetchOne(values));
    }

    /** The key these values have; reads and runs nothing. */
    public CacheKey keyOf(Object... values) {
        return read.keyOf(values);
    }

    /**
     * Drops the entry of these values; true if there was one.
     *
     * @throws CacheBackendException if the backend cannot be reached: the entry may still be there
     */
    public boolean invalidate(Object... values) {
        return owner.delete(read.lookup(values));
    }

    /**
     * The parameters in the order their values are given, e.g. {@code [parameter 1 'o' (Integer),
     * parameter 2 'n' (Integer)]}: the order of the {@code ?} in {@link #sql()}, which for
     * {@code limit(...).offset(...)} on PostgreSQL puts the offset first.
     */
    public java.util.List<String> parameters() {
        return read.parameters();
    }

    /** The SQL rendered at preparation, with {@code ?} for each parameter. */
    public String sql() {
        return read.sql();
    }

    @Override
    public String toString() {
        return "CachedQuery[" + read.sql() + "]";
    }
}
